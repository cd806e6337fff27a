import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { InvalidCredentials, InvalidGrant } from '../../errors.js'
import { normalizeEmailField } from '../../lib/email.js'
import type { User } from '../../plugins/users.js'
import { RefreshBody, TokenPair } from '../../schemas/tokens.js'
import { CredentialsBody } from '../../schemas/users.js'

const Err = Type.Ref('ErrorBody')

export interface TokensRoutesOptions {
  accessTtlSeconds: number
}

const tokensRoutes: FastifyPluginAsyncTypebox<TokensRoutesOptions> = async (fastify, { accessTtlSeconds }) => {
  async function pair (user: User, refreshToken: string) {
    return { access_token: await fastify.signAccessToken(user), token_type: 'Bearer' as const, expires_in: accessTtlSeconds, refresh_token: refreshToken }
  }

  fastify.post('/v1/tokens', {
    preValidation: normalizeEmailField,
    preHandler: fastify.loginRateLimit,
    schema: {
      tags: ['tokens'],
      summary: 'Log in for an access token and a refresh token',
      body: CredentialsBody,
      response: { 201: TokenPair, 400: Err, 401: Err, 429: Err, 503: Err }
    }
  }, async function onTokenLogin (request, reply) {
    const user = await fastify.users.verifyCredentials(request.body.email, request.body.password)
    fastify.loginCounter.inc({ mode: 'token', outcome: user === null ? 'rejected' : 'accepted' })
    if (user === null) throw new InvalidCredentials()
    return await reply.code(201).send(await pair(user, await fastify.refreshTokens.issue(user)))
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
    return await reply.code(201).send(await pair(rotated.user, rotated.token))
  })

  fastify.post('/v1/tokens/revoke', {
    schema: {
      tags: ['tokens'],
      summary: "Revoke a refresh token's family, and deny the Bearer access token sent along until it expires",
      body: RefreshBody,
      headers: Type.Object({ authorization: Type.Optional(Type.String({ maxLength: 8192 })) }),
      response: { 204: Type.Null(), 400: Err, 503: Err }
    }
  }, async function onRevoke (request, reply) {
    await fastify.refreshTokens.revoke(request.body.refresh_token)
    const bearer = /^Bearer ([\w-]+\.[\w-]+\.[\w-]+)$/.exec(request.headers.authorization ?? '')?.[1]
    const claims = bearer === undefined ? null : await fastify.verifyAccessToken(bearer)
    if (claims !== null) await fastify.revocations.publish({ kind: 'jti', sub: claims.sub, jti: claims.jti, exp: claims.exp })
    return await reply.code(204).send(null)
  })
}

export default tokensRoutes
