import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { InvalidGrant, InvalidRequest } from '../../errors.js'
import { bearerToken } from '../../lib/bearer.js'
import { normalizeEmailField } from '../../lib/email.js'
import { RefreshBody, RevokeBody, TokenPair } from '../../schemas/tokens.js'
import { CredentialsBody } from '../../schemas/users.js'

const Err = Type.Ref('ErrorBody')

// An access token is a JWT, whose first segment is base64url JSON: `{"…` encodes as `eyJ`. A refresh token
// (`<user id>.<family>.<secret>`) never starts so.
const JWT = /^eyJ[\w-]*\.[\w-]+\.[\w-]+$/

/**
 * RFC 7009 clients send `token=…&token_type_hint=…` form-encoded; it is read as the JSON body's
 * `refresh_token`, or `access_token` for a JWT (whatever the hint, which RFC 7009 makes only a hint), so one
 * schema validates both. A parameter given twice is refused (RFC 6749 §3.1).
 */
function parseRevocationForm (
  _request: FastifyRequest, body: string, done: (error: Error | null, body?: unknown) => void
) {
  const params = new URLSearchParams(body)
  if (params.getAll('token').length > 1 || params.getAll('token_type_hint').length > 1) {
    done(new InvalidRequest('token and token_type_hint may each be sent once'))
    return
  }
  const token = params.get('token')
  done(null, token === null ? {} : JWT.test(token) ? { access_token: token } : { refresh_token: token })
}

const tokensRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.post('/v1/tokens', {
    preValidation: normalizeEmailField,
    preHandler: fastify.loginGuard,
    schema: {
      tags: ['tokens'],
      summary: 'Log in for an access token and a refresh token',
      body: CredentialsBody,
      response: { 201: TokenPair, 400: Err, 401: Err, 429: Err, 503: Err }
    }
  }, async function onTokenLogin (request, reply) {
    const user = await fastify.verifyLogin(request, reply, 'token')
    return await reply.code(201).send(await fastify.issueTokenPair(user))
  })

  fastify.post('/v1/tokens/refresh', {
    schema: {
      tags: ['tokens'],
      summary: 'Spend a refresh token for a new pair (presenting a spent one revokes its family)',
      body: RefreshBody,
      response: { 201: TokenPair, 400: Err, 401: Err, 503: Err }
    }
  }, async function onRefresh (request, reply) {
    const rotated = await fastify.refreshTokens.rotate(request.body.refresh_token)
    if (rotated === null) throw new InvalidGrant()
    return await reply.code(201).send(await fastify.tokenPairOf(rotated.user, rotated))
  })

  await fastify.register(async function revocationRoute (plain) {
    const scope = plain.withTypeProvider<TypeBoxTypeProvider>()
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, parseRevocationForm)
    scope.post('/v1/tokens/revoke', {
      schema: {
        tags: ['tokens'],
        summary: "Revoke a refresh token's family and deny its access tokens, or deny one access token (RFC 7009: JSON or form-encoded `token`)",
        body: RevokeBody,
        // The Bearer access token is optional: sent along, its own jti is denied too.
        security: [{ bearer: [] }, {}],
        response: { 204: Type.Null(), 400: Err, 503: Err }
      }
    }, async function onRevoke (request, reply) {
      if ('refresh_token' in request.body) await fastify.refreshTokens.revoke(request.body.refresh_token)
      // The access token in the body (RFC 7009), and the one in the Authorization header: each jti denied.
      const accessTokens = [
        'access_token' in request.body ? request.body.access_token : undefined,
        bearerToken(request.headers.authorization)
      ]
      for (const token of accessTokens) {
        const claims = token === undefined ? null : await fastify.verifyAccessToken(token)
        if (claims !== null) await fastify.revocations.publish({ kind: 'jti', sub: claims.sub, jti: claims.jti, exp: claims.exp })
      }
      return await reply.code(204).send(null)
    })
  })
}

export default tokensRoutes
