import { isAccessTokenClaims, type AccessTokenClaims } from '@authpair/keys'
import { csrfTokenMatches, ExpiringCache, type SessionReader } from '@authpair/session-store'
import cookie from '@fastify/cookie'
import type { FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { Counter, Histogram } from 'prom-client'
import { CsrfFailed, KeysUnavailable, Unauthorized } from '../errors.js'
import type { JwksCache } from '../lib/jwks-cache.js'

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
  const cache = new ExpiringCache<{ claims: AccessTokenClaims, kid: string }>(tokenCacheSize)
  // A key that left the JWKS takes every token it verified with it.
  jwks.onKeysRemoved((kids) => { cache.deleteWhere((entry) => kids.includes(entry.kid)) })
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
  const refuse = (auth: string, reason: string, wwwAuthenticate = challenge) => {
    decisions.inc({ auth, mode, outcome: 'refused' })
    return Object.assign(new Unauthorized(reason), { wwwAuthenticate })
  }
  const refuseToken = (reason: string) => refuse('token', reason, invalidToken)

  /** Rules of this system that a valid signature alone does not prove. */
  function lifetimeProblem (claims: AccessTokenClaims, nowSeconds: number): string | undefined {
    if (claims.iat > nowSeconds + clockLeewaySeconds) return 'Access token issued in the future'
    if (claims.exp - claims.iat > accessTokenTtlSeconds) return 'Access token lives longer than ACCESS_TOKEN_TTL'
    return undefined
  }

  async function verifyToken (token: string, headerPart: string): Promise<AccessTokenClaims> {
    const cached = cache.get(token)
    if (cached !== undefined) return cached.claims
    let kid: unknown
    try { kid = JSON.parse(Buffer.from(headerPart, 'base64url').toString()).kid } catch { kid = undefined }
    if (typeof kid !== 'string' || kid.length > 128) throw refuseToken('Malformed access token')
    // No keys yet (the auth service was unreachable): 503 at once; JwksCache retries in the background.
    if (jwks.size === 0) throw new KeysUnavailable()
    const verify = await jwks.verifierFor(kid)
    if (verify === undefined) throw refuseToken('Access token signed by an unknown key')
    let claims: unknown
    try {
      claims = verify(token)
    } catch {
      // Every verify failure (bad signature, wrong alg or typ, expired, missing or wrong iss/aud) is a 401.
      throw refuseToken('Invalid or expired access token')
    }
    if (!isAccessTokenClaims(claims)) throw refuseToken('Access token without the expected claims')
    const problem = lifetimeProblem(claims, Date.now() / 1000)
    if (problem !== undefined) throw refuseToken(problem)
    cache.set(token, { claims, kid }, claims.exp * 1000)
    return claims
  }

  async function fromToken (request: FastifyRequest, header: string): Promise<void> {
    const parts = BEARER.exec(header)
    if (parts === null) {
      // Another scheme, or none: no Bearer credential came. A Bearer one that is not a JWT is a bad token.
      if (!SCHEME.test(header)) throw refuse('token', 'Authorization must be a Bearer access token')
      throw refuseToken('Malformed access token')
    }
    const claims = await verifyToken(header.slice(7), parts[1] as string)
    if (await fastify.revocations.isRevoked(claims)) throw refuseToken('Access token revoked')
    decisions.inc({ auth: 'token', mode, outcome: 'accepted' })
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
    decisions.inc({ auth: 'session', mode: 'session', outcome: 'accepted' })
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
