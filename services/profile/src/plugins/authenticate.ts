import { isAccessTokenClaims, type AccessTokenClaims } from '@authpair/keys'
import { csrfTokenMatches, ExpiringCache, SESSION_COOKIE, type SessionReader } from '@authpair/session-store'
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
}

const BEARER = /^Bearer ([\w-]+)\.([\w-]+)\.([\w-]+)$/
const challenge = 'Bearer realm="authpair"'

export const authenticatePlugin = fp<AuthenticateOptions>(async (fastify, { sessions, jwks, tokenCacheSize }) => {
  await fastify.register(cookie)
  const cache = new ExpiringCache<AccessTokenClaims>(tokenCacheSize)
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
  const refuse = (auth: string, reason: string) => {
    decisions.inc({ auth, mode, outcome: 'refused' })
    return Object.assign(new Unauthorized(reason), { wwwAuthenticate: challenge })
  }

  async function verifyToken (token: string, headerPart: string): Promise<AccessTokenClaims> {
    const cached = cache.get(token)
    if (cached !== undefined) return cached
    let kid: unknown
    try { kid = JSON.parse(Buffer.from(headerPart, 'base64url').toString()).kid } catch { kid = undefined }
    if (typeof kid !== 'string' || kid.length > 128) throw refuse('token', 'Malformed access token')
    // No keys yet (the auth service was unreachable): 503 at once; JwksCache retries in the background.
    if (jwks.size === 0) throw new KeysUnavailable()
    const verify = await jwks.verifierFor(kid)
    if (verify === undefined) throw refuse('token', 'Access token signed by an unknown key')
    let claims: unknown
    try {
      claims = verify(token)
    } catch {
      // Every verify failure (bad signature, wrong alg, expired, wrong iss/aud, malformed) is a 401.
      throw refuse('token', 'Invalid or expired access token')
    }
    if (!isAccessTokenClaims(claims)) throw refuse('token', 'Access token without the expected claims')
    cache.set(token, claims, claims.exp * 1000)
    return claims
  }

  async function fromToken (request: FastifyRequest, header: string): Promise<void> {
    const parts = BEARER.exec(header)
    if (parts === null) throw refuse('token', 'Authorization must be a Bearer access token')
    const claims = await verifyToken(header.slice(7), parts[1] as string)
    if (await fastify.revocations.isRevoked(claims)) throw refuse('token', 'Access token revoked')
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
    if (authorization !== undefined) await fromToken(request, authorization)
    else if (request.cookies[SESSION_COOKIE] !== undefined) await fromSession(request, request.cookies[SESSION_COOKIE])
    else throw refuse('none', 'Send a Bearer access token or the sid session cookie')
  })

  fastify.decorate('requireCsrf', async (request: FastifyRequest) => {
    const expected = request.identity.csrfToken
    if (expected === undefined) return // token requests carry no ambient credential: no CSRF risk
    if (!csrfTokenMatches(request.headers['x-csrf-token'], expected)) throw new CsrfFailed()
  })
}, { name: 'authpair-authenticate', dependencies: ['authpair-metrics', 'authpair-revocation'] })
