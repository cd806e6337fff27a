import { buildService } from '@authpair/service-kit'
import { cookieSecure } from '@authpair/config'
import { sessionCookieName } from '@authpair/session-store'
import { verifyPlugin } from '@authpair/verify'
import type { FastifyInstance } from 'fastify'
import type { DestinationStream } from 'pino'
import type { ProfileConfig } from './config.js'
import { accountEventsPlugin } from './plugins/account-events.js'
import { profilesPlugin } from './plugins/profiles.js'
import meRoutes from './routes/me/index.js'
import profileRoutes from './routes/profile/index.js'
import verificationRoutes from './routes/verification/index.js'

export interface BuildOptions {
  logStream?: DestinationStream
}

/** The profile service, wired to the real Redis and auth service named by `config`. */
export async function buildApp (config: ProfileConfig, { logStream }: BuildOptions = {}): Promise<FastifyInstance> {
  let app: FastifyInstance | undefined
  return await buildService(config, {
    service: 'profile',
    docs: {
      title: 'authpair profile service',
      description: 'Token or session authentication, and the profile.',
      version: '0.1.0',
      sessionCookie: sessionCookieName(cookieSecure(config))
    },
    bodyLimit: 8 * 1024,
    logStream,
    dependencies: () => ({ keys: app?.credentials.keysKnown ?? false }),
    // Ready while some credential can be served: tokens need the keys, sessions need Redis. Redis down
    // alone is not "not ready": every replica shares it, and pulling them all would stop the token
    // requests that still work.
    readyWhen: (states) => states.keys === true || states.redis === true
  }, async (built) => {
    app = built
    await registerProfile(built, config)
  })
}

async function registerProfile (app: FastifyInstance, config: ProfileConfig): Promise<void> {
  // What any resource service registers to accept authpair's credentials.
  await app.register(verifyPlugin, {
    authUrl: config.AUTH_URL,
    redis: app.redis,
    sessionSecret: config.SESSION_SECRET,
    cookieSecure: cookieSecure(config),
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    revocation: config.TOKEN_REVOCATION,
    denylistWhenStoreDown: config.DENYLIST_WHEN_STORE_DOWN,
    pushWhenStoreDown: config.PUSH_WHEN_STORE_DOWN,
    stalenessMaxMs: config.REVOCATION_STALENESS_MAX_MS,
    sessionCache: config.SESSION_CACHE,
    sessionCacheSize: config.SESSION_CACHE_SIZE,
    sessionCacheWhenStoreDown: config.SESSION_CACHE_WHEN_STORE_DOWN,
    sessionCacheMaxStaleMs: config.SESSION_CACHE_MAX_STALE_MS,
    sessionIdleTtlSeconds: config.SESSION_IDLE_TTL,
    sessionAbsoluteTtlSeconds: config.SESSION_ABSOLUTE_TTL,
    tokenCacheSize: config.TOKEN_CACHE_SIZE,
    accessTokenTtlSeconds: config.ACCESS_TOKEN_TTL,
    clockLeewaySeconds: config.JWT_CLOCK_LEEWAY,
    jwksCooldownMs: config.JWKS_REFETCH_COOLDOWN_MS,
    metrics: app.metrics
  })
  // The service's own data and routes.
  await app.register(profilesPlugin, { tokenLifetimeSeconds: config.ACCESS_TOKEN_TTL + config.JWT_CLOCK_LEEWAY })
  await app.register(accountEventsPlugin, {
    pollMs: config.ACCOUNT_EVENTS_POLL_MS, claimIdleMs: config.ACCOUNT_EVENTS_CLAIM_IDLE_MS
  })
  await app.register(meRoutes)
  await app.register(profileRoutes)
  await app.register(verificationRoutes, {
    tokenRevocation: config.TOKEN_REVOCATION,
    sessionCache: config.SESSION_CACHE,
    accessTokenTtlSeconds: config.ACCESS_TOKEN_TTL
  })

  // The ceiling the benchmarks compare against (the same process, no authentication): only when asked for.
  if (config.BENCH_ROUTES) app.get('/bench/bare', { schema: { hide: true } }, async () => ({ ok: true }))
}
