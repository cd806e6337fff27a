import { revocationPlugin } from '@authpair/revocation'
import { buildService } from '@authpair/service-kit'
import { cookieSecure } from '@authpair/config'
import { sessionCookieName, SessionReader, SessionStore, TrackingSessionCache } from '@authpair/session-store'
import type { FastifyInstance } from 'fastify'
import type { DestinationStream } from 'pino'
import type { ProfileConfig } from './config.js'
import { JwksCache } from './lib/jwks-cache.js'
import { revocationTrustMetrics, sessionCacheMetrics } from './lib/session-cache-metrics.js'
import { authenticatePlugin } from './plugins/authenticate.js'
import { profilesPlugin } from './plugins/profiles.js'
import meRoutes from './routes/me/index.js'
import profileRoutes from './routes/profile/index.js'

export interface BuildOptions {
  logStream?: DestinationStream
}

/** The profile service, wired to the real Redis and auth service named by `config`. */
export async function buildApp (config: ProfileConfig, { logStream }: BuildOptions = {}): Promise<FastifyInstance> {
  const keys: { jwks?: JwksCache } = {}
  return await buildService(config, {
    service: 'profile',
    docs: {
      title: 'authpair profile service',
      description: 'Token or session authentication, and the profile. Contract: shared/API.md',
      version: '0.1.0',
      sessionCookie: sessionCookieName(cookieSecure(config))
    },
    bodyLimit: 8 * 1024,
    logStream,
    dependencies: () => ({ keys: (keys.jwks?.size ?? 0) > 0 }),
    // Ready while some credential can be served: tokens need the keys, sessions need Redis. Redis down
    // alone is not "not ready": every replica shares it, and pulling them all would stop the token
    // requests that still work.
    readyWhen: (states) => states.keys === true || states.redis === true
  }, async (app) => { keys.jwks = await registerProfile(app, config) })
}

async function registerProfile (app: FastifyInstance, config: ProfileConfig): Promise<JwksCache> {
  const jwks = new JwksCache(`${config.AUTH_URL}/.well-known/jwks.json`, {
    issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, clockLeewaySeconds: config.JWT_CLOCK_LEEWAY
  }, {
    cooldownMs: config.JWKS_REFETCH_COOLDOWN_MS,
    onError: (error) => app.log.warn({ err: error }, 'JWKS not reachable; serving the last good key set and retrying')
  })
  jwks.onKeysRemoved((kids) => app.log.info({ kids }, 'signing keys left the JWKS: their tokens are refused from now on'))
  // The session path works without the keys: if the auth service is not up yet, tokens answer 503 until it is.
  await jwks.start()
  app.addHook('onClose', async () => { jwks.close() })
  await app.register(revocationPlugin, {
    mode: config.TOKEN_REVOCATION,
    denylistWhenStoreDown: config.DENYLIST_WHEN_STORE_DOWN,
    pushWhenStoreDown: config.PUSH_WHEN_STORE_DOWN,
    clockLeewaySeconds: config.JWT_CLOCK_LEEWAY,
    stalenessMaxMs: config.REVOCATION_STALENESS_MAX_MS
  })

  const store = new SessionStore(app.redis, {
    idleTtlMs: config.SESSION_IDLE_TTL * 1000, absoluteTtlMs: config.SESSION_ABSOLUTE_TTL * 1000
  })
  const cache = config.SESSION_CACHE === 'tracking' ? await startSessionCache(app, store, config) : undefined
  revocationTrustMetrics(app.metrics, {
    push: config.TOKEN_REVOCATION === 'push'
      ? { trusted: () => app.revocations.trusted, changes: () => app.revocations.trustChanges }
      : undefined,
    'session-tracking': cache === undefined
      ? undefined
      : { trusted: () => cache.isTracking, changes: () => cache.stats.trustChanges }
  })
  await app.register(authenticatePlugin, {
    sessions: new SessionReader(store, {
      secret: config.SESSION_SECRET, secure: cookieSecure(config), signatureCacheSize: config.TOKEN_CACHE_SIZE, cache
    }),
    jwks,
    tokenCacheSize: config.TOKEN_CACHE_SIZE,
    accessTokenTtlSeconds: config.ACCESS_TOKEN_TTL,
    clockLeewaySeconds: config.JWT_CLOCK_LEEWAY
  })
  await app.register(profilesPlugin)
  await app.register(meRoutes)
  await app.register(profileRoutes)

  // The ceiling the benchmarks compare against: the same process, no authentication.
  app.get('/bench/bare', { schema: { hide: true } }, async () => ({ ok: true }))
  return jwks
}

async function startSessionCache (
  app: FastifyInstance, store: SessionStore, config: ProfileConfig
): Promise<TrackingSessionCache> {
  let warnedAt = 0
  const cache = await TrackingSessionCache.start(app.redis, store.lifetimes, {
    maxEntries: config.SESSION_CACHE_SIZE,
    whenStoreDown: config.SESSION_CACHE_WHEN_STORE_DOWN,
    stalenessMaxMs: config.REVOCATION_STALENESS_MAX_MS,
    maxStaleMs: config.SESSION_CACHE_MAX_STALE_MS,
    onError: (error) => {
      if (Date.now() - warnedAt < 10_000) return // one line per 10 s of outage, not one per retry
      warnedAt = Date.now()
      app.log.warn({ err: error }, 'session cache connection')
    },
    onStateChange: (state) => {
      if (state === 'lost') app.log.warn('session cache: Redis tracking lost; cached sessions are no longer trusted')
      else app.log.info('session cache: Redis tracking on')
    }
  })
  app.addHook('onClose', async () => { await cache.close() })
  sessionCacheMetrics(app.metrics, cache)
  return cache
}
