import type { AccessTokenClaims } from '@authpair/keys'
import { csrfTokenMatches, type SessionReader } from '@authpair/session-store'
import cookie from '@fastify/cookie'
import type { FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { Counter, Histogram } from 'prom-client'
import { CsrfFailed, Unauthorized } from '../errors.js'
import type { JwksCache } from '../lib/jwks-cache.js'
import { TokenRefused, TokenVerifier } from '../lib/token-verifier.js'

export interface Identity {
  id: string
  email: string
  name: string
  auth: 'token' | 'session'
  /** Session mode only: the token state-changing requests must echo as x-csrf-token. */
  csrfToken?: string
}

declare module 'fastify' {
  interface FastifyRequest {
    identity: Identity
  }
  interface FastifyInstance {
    /** preHandler: sets request.identity from the Bearer token, or else from the sid cookie; 401 otherwise. */
    authenticate: (request: FastifyRequest) => Promise<void>
    /** preHandler after authenticate: cookie requests must carry the session's CSRF token. */
    requireCsrf: (request: FastifyRequest) => Promise<void>
  }
}

export interface AuthenticateOptions {
  sessions: SessionReader
  jwks: JwksCache
  tokenCacheSize: number
  /** ACCESS_TOKEN_TTL: a token claiming a longer life (`exp - iat`) was not signed by this system's rules. */
  accessTokenTtlSeconds: number
  /** JWT_CLOCK_LEEWAY: an `iat` further in the future than this is refused. */
  clockLeewaySeconds: number
}

// The scheme name is case-insensitive (RFC 9110 §11.1); `bearer ` and `Bearer ` are both 7 characters.
const BEARER = /^Bearer ([\w-]+)\.([\w-]+)\.([\w-]+)$/i
const SCHEME = /^Bearer(?: |$)/i
// RFC 6750 §3.1: no error code when no credential came; invalid_token when a bad or expired one did.
const challenge = 'Bearer realm="authpair"'
const invalidToken = 'Bearer realm="authpair", error="invalid_token"'

export const authenticatePlugin = fp<AuthenticateOptions>(async (fastify, options) => {
  const { sessions, jwks, tokenCacheSize, accessTokenTtlSeconds, clockLeewaySeconds } = options
  await fastify.register(cookie)
  const tokens = new TokenVerifier(jwks, { cacheSize: tokenCacheSize, accessTokenTtlSeconds, clockLeewaySeconds })
  const mode = `token-${fastify.revocations.mode}`
  const decisions = new Counter({
    name: 'authpair_auth_decisions_total',
    help: 'Authentication decisions by credential, revocation mode and outcome',
    labelNames: ['auth', 'mode', 'outcome'] as const,
    registers: [fastify.metrics]
  })
  const storeLatency = new Histogram({
    name: 'authpair_store_read_seconds',
    help: 'Session store reads on the request path',
    buckets: [0.0002, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.25, 1],
    registers: [fastify.metrics]
  })
  // The hot path's two outcomes, labelled once (refusals are rare and label per call).
  const accepted = {
    token: decisions.labels({ auth: 'token', mode, outcome: 'accepted' }),
    session: decisions.labels({ auth: 'session', mode: 'session', outcome: 'accepted' })
  }
  const refuse = (auth: string, reason: string, wwwAuthenticate = challenge) => {
    decisions.inc({ auth, mode, outcome: 'refused' })
    return Object.assign(new Unauthorized(reason), { wwwAuthenticate })
  }
  const refuseToken = (reason: string) => refuse('token', reason, invalidToken)

  async function fromToken (request: FastifyRequest, header: string): Promise<void> {
    const parts = BEARER.exec(header)
    if (parts === null) {
      // Another scheme, or none: no Bearer credential came. A Bearer one that is not a JWT is a bad token.
      if (!SCHEME.test(header)) throw refuse('token', 'Authorization must be a Bearer access token')
      throw refuseToken('Malformed access token')
    }
    let claims: AccessTokenClaims
    try {
      claims = await tokens.verify(header.slice(7), parts[1] as string)
    } catch (error) {
      throw error instanceof TokenRefused ? refuseToken(error.message) : error
    }
    if (await fastify.revocations.isRevoked(claims)) throw refuseToken('Access token revoked')
    accepted.token.inc()
    request.identity = { id: claims.sub, email: claims.email, name: claims.name, auth: 'token' }
  }

  async function fromSession (request: FastifyRequest, signed: string): Promise<void> {
    const started = performance.now()
    const lookup = await sessions.read(signed)
    if (lookup.outcome === 'forged') throw refuse('session', 'Invalid session cookie')
    storeLatency.observe((performance.now() - started) / 1000)
    if (lookup.outcome === 'ended') throw refuse('session', 'Session expired or logged out')
    const { sessionId, record } = lookup
    sessions.touchIfDue(sessionId, record, (error) => request.log.warn({ err: error }, 'session touch failed'))
    accepted.session.inc()
    request.identity = { id: record.userId, email: record.email, name: record.name, auth: 'session', csrfToken: record.csrfToken }
  }

  fastify.decorateRequest('identity', null as unknown as Identity)
  fastify.decorate('authenticate', async (request: FastifyRequest) => {
    const authorization = request.headers.authorization
    // When an Authorization header is present only it counts: never a fall-back to the cookie.
    const sessionCookie = request.cookies[sessions.cookieName]
    if (authorization !== undefined) await fromToken(request, authorization)
    else if (sessionCookie !== undefined) await fromSession(request, sessionCookie)
    else throw refuse('none', 'Send a Bearer access token or the sid session cookie')
  })

  fastify.decorate('requireCsrf', async (request: FastifyRequest) => {
    const expected = request.identity.csrfToken
    if (expected === undefined) return // token requests carry no ambient credential: no CSRF risk
    if (!csrfTokenMatches(request.headers['x-csrf-token'], expected)) throw new CsrfFailed()
  })
}, { name: 'authpair-authenticate', dependencies: ['authpair-metrics', 'authpair-revocation'] })
