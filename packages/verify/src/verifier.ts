import type { AccessTokenClaims } from '@authpair/keys'
import { startRevocationCheck, warnAtMostEvery, type CheckLogger, type StartedRevocationCheck } from '@authpair/revocation'
import { csrfTokenMatches, SessionReader, SessionStore, TrackingSessionCache } from '@authpair/session-store'
import { parseCookie } from 'cookie'
import { Counter, Histogram, type Registry } from 'prom-client'
import { CsrfFailed, INVALID_TOKEN, Unauthorized } from './errors.js'
import { JwksCache } from './jwks-cache.js'
import { revocationTrustMetrics, sessionCacheMetrics } from './metrics.js'
import { validateVerifierOptions, type VerifierOptions } from './options.js'
import { TokenRefused, TokenVerifier } from './token-verifier.js'

/** Who a request's credential says the caller is. */
export interface Identity {
  id: string
  email: string
  name: string
  auth: 'token' | 'session'
  /** Session credentials only: the token a state-changing request must echo as `x-csrf-token`. */
  csrfToken?: string
}

/** The headers a credential can come in; any framework's request has them. */
export interface CredentialHeaders {
  authorization?: string | undefined
  cookie?: string | undefined
}

// The scheme name is case-insensitive (RFC 9110 §11.1); `bearer ` and `Bearer ` are both 7 characters.
const BEARER = /^Bearer ([\w-]+)\.([\w-]+)\.([\w-]+)$/i
const SCHEME = /^Bearer(?: |$)/i

/**
 * Everything a resource service needs to accept authpair's credentials, with no web framework: the
 * auth service's JWKS (cached, keys that leave stop verifying), the verified-token cache, the revocation
 * check of the configured mode, the session reader (with the tracking cache), CSRF, and the metrics.
 *
 * `identify` answers an Identity or throws a `VerifyError` (401, 403, 503) or a store error (503): a
 * framework's middleware maps those to answers. The Fastify plugin in this package is such a middleware.
 */
export class CredentialVerifier {
  /** The cookie the session id comes in (`sid`, or `__Host-sid` when Secure). */
  readonly sessionCookie: string

  private constructor (
    private readonly jwks: JwksCache,
    private readonly tokens: TokenVerifier,
    private readonly revocation: StartedRevocationCheck,
    private readonly sessions: SessionReader,
    private readonly cache: TrackingSessionCache | undefined,
    private readonly log: CheckLogger,
    private readonly metrics: DecisionMetrics | undefined
  ) {
    this.sessionCookie = sessions.cookieName
  }

  /** Validates `options` (one error naming every problem), then starts the JWKS cache, revocations and sessions. */
  static async start (options: VerifierOptions): Promise<CredentialVerifier> {
    const settings = validateVerifierOptions(options)
    const { redis, log } = settings
    const jwks = new JwksCache(`${settings.authUrl.replace(/\/$/, '')}/.well-known/jwks.json`, {
      issuer: settings.issuer, audience: settings.audience, clockLeewaySeconds: settings.clockLeewaySeconds
    }, {
      cooldownMs: settings.jwksCooldownMs,
      onError: (error) => log.warn({ err: error }, 'JWKS not reachable; serving the last good key set and retrying'),
      // At start the auth service may simply not be up yet: one line while waiting, no stack trace.
      onWaiting: (event, reason) => {
        if (event === 'waiting') log.info(`waiting for the auth service (${reason ?? ''}); token requests answer 503 until its JWKS comes`)
        else if (event === 'still-waiting') log.warn({ err: undefined }, `still no JWKS after 30 s (${reason ?? ''}); retrying every few seconds`)
        else log.info('JWKS loaded from the auth service: tokens are verified')
      }
    })
    jwks.onKeysRemoved((kids) => log.info(`signing keys left the JWKS (${kids.join(', ')}): their tokens are refused from now on`))
    const closers: Array<() => Promise<void> | void> = [() => { jwks.close() }]
    try {
      // Sessions work without the keys: if the auth service is not up yet, tokens answer 503 until it is.
      await jwks.start()
      const revocation = await startRevocationCheck(redis, {
        mode: settings.revocation,
        denylistWhenStoreDown: settings.denylistWhenStoreDown,
        pushWhenStoreDown: settings.pushWhenStoreDown,
        stalenessMaxMs: settings.stalenessMaxMs,
        log
      })
      closers.push(revocation.close)
      const store = new SessionStore(redis, {
        idleTtlMs: settings.sessionIdleTtlSeconds * 1000, absoluteTtlMs: settings.sessionAbsoluteTtlSeconds * 1000
      })
      const cache = settings.sessionCache === 'tracking' ? await startTrackingCache(store, settings) : undefined
      if (cache !== undefined) closers.push(async () => { await cache.close() })
      const sessions = new SessionReader(store, {
        secret: settings.sessionSecret,
        secure: settings.cookieSecure,
        signatureCacheSize: settings.tokenCacheSize,
        cache
      })
      const tokens = new TokenVerifier(jwks, {
        cacheSize: settings.tokenCacheSize,
        accessTokenTtlSeconds: settings.accessTokenTtlSeconds,
        clockLeewaySeconds: settings.clockLeewaySeconds
      })
      const registry = settings.metrics
      if (registry !== undefined) {
        if (cache !== undefined) sessionCacheMetrics(registry, cache)
        revocationTrustMetrics(registry, {
          push: revocation.mode === 'push' ? { trusted: () => revocation.trusted, changes: () => revocation.trustChanges } : undefined,
          'session-tracking': cache === undefined ? undefined : { trusted: () => cache.isTracking, changes: () => cache.stats.trustChanges }
        })
      }
      const metrics = registry === undefined ? undefined : decisionMetrics(registry, `token-${revocation.mode}`)
      const verifier = new CredentialVerifier(jwks, tokens, revocation, sessions, cache, log, metrics)
      verifier.closers = closers
      return verifier
    } catch (error) {
      for (const close of closers.reverse()) await close()
      throw error
    }
  }

  private closers: Array<() => Promise<void> | void> = []

  /** Whether any signing key is known (tokens answer 503 until one is). */
  get keysKnown (): boolean { return this.jwks.size > 0 }

  /** The revocation mode tokens are checked in (`off`, `denylist`, `push`). */
  get revocationMode (): string { return this.revocation.mode }

  /**
   * The identity of a request's credential: the Bearer token when an Authorization header is present
   * (only it counts: never a fall-back to the cookie), else the session cookie.
   */
  async identify (headers: CredentialHeaders): Promise<Identity> {
    const cookies = headers.authorization !== undefined || headers.cookie === undefined
      ? undefined
      : parseCookie(headers.cookie)
    return await this.identifyFrom(headers.authorization, cookies?.[this.sessionCookie])
  }

  /** The dispatch of `identify`: the Authorization header, else the session cookie's value. */
  private async identifyFrom (authorization: string | undefined, sessionCookie: string | undefined): Promise<Identity> {
    if (authorization !== undefined) return await this.fromToken(authorization)
    if (sessionCookie !== undefined) return await this.fromSession(sessionCookie)
    throw this.refuse('none', 'Send a Bearer access token or the sid session cookie')
  }

  /** The Bearer path alone: `header` is the whole Authorization header. */
  async fromToken (header: string): Promise<Identity> {
    const parts = BEARER.exec(header)
    if (parts === null) {
      // Another scheme, or none: no Bearer credential came. A Bearer one that is not a JWT is a bad token.
      if (!SCHEME.test(header)) throw this.refuse('token', 'Authorization must be a Bearer access token')
      throw this.refuse('token', 'Malformed access token', INVALID_TOKEN)
    }
    let claims: AccessTokenClaims
    try {
      claims = await this.tokens.verify(header.slice(7), parts[1] as string)
    } catch (error) {
      throw error instanceof TokenRefused ? this.refuse('token', error.message, INVALID_TOKEN) : error
    }
    if (await this.revocation.isRevoked(claims)) throw this.refuse('token', 'Access token revoked', INVALID_TOKEN)
    this.metrics?.acceptedToken.inc()
    return { id: claims.sub, email: claims.email, name: claims.name, auth: 'token' }
  }

  /** The cookie path alone: `signed` is the session cookie's value. Slides the idle deadline when due. */
  async fromSession (signed: string): Promise<Identity> {
    const started = this.metrics === undefined ? 0 : performance.now()
    const lookup = await this.sessions.read(signed)
    if (lookup.outcome === 'forged') throw this.refuse('session', 'Invalid session cookie')
    this.metrics?.storeLatency.observe((performance.now() - started) / 1000)
    if (lookup.outcome === 'ended') throw this.refuse('session', 'Session expired or logged out')
    const { sessionId, record } = lookup
    this.sessions.touchIfDue(sessionId, record, (error) => this.log.warn({ err: error }, 'session touch failed'))
    this.metrics?.acceptedSession.inc()
    return { id: record.userId, email: record.email, name: record.name, auth: 'session', csrfToken: record.csrfToken }
  }

  /** Throws CsrfFailed (403) when a session identity's request does not echo its CSRF token; tokens pass. */
  checkCsrf (identity: Identity, header: string | string[] | undefined): void {
    if (identity.csrfToken === undefined) return // token requests carry no ambient credential: no CSRF risk
    if (!csrfTokenMatches(header, identity.csrfToken)) throw new CsrfFailed()
  }

  async close (): Promise<void> {
    for (const close of this.closers.reverse()) await close()
    this.closers = []
  }

  private refuse (credential: 'token' | 'session' | 'none', reason: string, wwwAuthenticate?: string): Unauthorized {
    this.metrics?.refused(credential)
    return new Unauthorized(reason, wwwAuthenticate)
  }
}

async function startTrackingCache (
  store: SessionStore, settings: ReturnType<typeof validateVerifierOptions>
): Promise<TrackingSessionCache> {
  const { redis, log } = settings
  if (redis.isCluster) throw new Error('sessionCache: tracking needs a standalone or Sentinel Redis, not Redis Cluster')
  return await TrackingSessionCache.start(redis, store.lifetimes, {
    maxEntries: settings.sessionCacheSize,
    whenStoreDown: settings.sessionCacheWhenStoreDown,
    stalenessMaxMs: settings.stalenessMaxMs,
    maxStaleMs: settings.sessionCacheMaxStaleMs,
    onError: warnAtMostEvery(log, 'session cache connection'),
    onStateChange: (state) => {
      if (state === 'lost') log.warn({ err: undefined }, 'session cache: Redis tracking lost; cached sessions are no longer trusted')
      else log.info('session cache: Redis tracking on')
    }
  })
}

interface DecisionMetrics {
  acceptedToken: { inc: () => void }
  acceptedSession: { inc: () => void }
  refused: (credential: string) => void
  storeLatency: { observe: (seconds: number) => void }
}

/**
 * Decisions by credential and outcome, and session-store read latency. Acceptances, the hot path, are counted
 * in plain numbers and handed to prom-client when it is scraped: its `inc` hashes the label set on every call.
 */
function decisionMetrics (registry: Registry, tokenMode: string): DecisionMetrics {
  const accepted = { token: 0, session: 0 }
  const decisions = new Counter({
    name: 'authpair_auth_decisions_total',
    help: 'Authentication decisions by credential, revocation mode and outcome',
    labelNames: ['auth', 'mode', 'outcome'] as const,
    registers: [registry],
    collect () {
      // Acceptances since the last scrape join the total (refusals are counted as they happen).
      if (accepted.token > 0) this.labels({ auth: 'token', mode: tokenMode, outcome: 'accepted' }).inc(accepted.token)
      if (accepted.session > 0) this.labels({ auth: 'session', mode: 'session', outcome: 'accepted' }).inc(accepted.session)
      accepted.token = 0
      accepted.session = 0
    }
  })
  const storeLatency = new Histogram({
    name: 'authpair_store_read_seconds',
    help: 'Session store reads on the request path',
    buckets: [0.0002, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.25, 1],
    registers: [registry]
  })
  return {
    acceptedToken: { inc: () => { accepted.token++ } },
    acceptedSession: { inc: () => { accepted.session++ } },
    // Refusals are rare: labelled per call.
    refused: (credential) => { decisions.inc({ auth: credential, mode: credential === 'session' ? 'session' : tokenMode, outcome: 'refused' }) },
    storeLatency
  }
}
