import { buildService } from '@authpair/service-kit'
import { SessionStore } from '@authpair/session-store'
import type { FastifyInstance } from 'fastify'
import type { DestinationStream } from 'pino'
import type { ProfileConfig } from './config.js'
import { JwksCache } from './lib/jwks-cache.js'
import { denylistCheck, noRevocationCheck, pushCheck, type RevocationCheck } from './lib/revocation-modes.js'
import { authenticatePlugin } from './plugins/authenticate.js'
import { profilesPlugin } from './plugins/profiles.js'
import meRoutes from './routes/me/index.js'
import profileRoutes from './routes/profile/index.js'

export interface BuildOptions {
  logStream?: DestinationStream
}

/** The profile service, wired to the real Redis and auth service named by `config`. */
export async function buildApp (config: ProfileConfig, { logStream }: BuildOptions = {}): Promise<FastifyInstance> {
  return await buildService(config, {
    service: 'profile',
    docs: { title: 'authpair profile service', description: 'Token or session authentication, and the profile. Contract: shared/API.md', version: '0.1.0' },
    bodyLimit: 8 * 1024,
    logStream
  }, async (app) => await registerProfile(app, config))
}

async function revocationFor (app: FastifyInstance, config: ProfileConfig): Promise<RevocationCheck> {
  if (config.TOKEN_REVOCATION === 'denylist') {
    let warnedAt = 0
    return denylistCheck(app.redis, {
      failOpen: config.DENYLIST_WHEN_STORE_DOWN === 'fail-open',
      onUnchecked: (error) => {
        if (Date.now() - warnedAt < 10_000) return // one line per 10 s, not one per request
        warnedAt = Date.now()
        app.log.warn({ err: error }, 'denylist unreachable: tokens accepted unchecked (DENYLIST_WHEN_STORE_DOWN=fail-open)')
      }
    })
  }
  if (config.TOKEN_REVOCATION === 'push') {
    return await pushCheck(app.redis, config.REDIS_KEY_PREFIX, (error) => app.log.warn({ err: error }, 'revocation subscriber'))
  }
  return noRevocationCheck
}

async function registerProfile (app: FastifyInstance, config: ProfileConfig): Promise<void> {
  const jwks = new JwksCache(`${config.AUTH_URL}/.well-known/jwks.json`, {
    issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, clockLeewaySeconds: config.JWT_CLOCK_LEEWAY
  }, config.JWKS_REFETCH_COOLDOWN_MS)
  // The session path works without the keys: if the auth service is not up yet, tokens answer 503 until it is.
  await jwks.start((error) => app.log.warn({ err: error }, 'JWKS not reachable; retrying'))
  app.addHook('onClose', async () => { jwks.close() })
  const revocation = await revocationFor(app, config)
  app.addHook('onClose', async () => { await revocation.close() })

  await app.register(authenticatePlugin, {
    sessionSecret: config.SESSION_SECRET,
    store: new SessionStore(app.redis, { idleTtlMs: config.SESSION_IDLE_TTL * 1000, absoluteTtlMs: config.SESSION_ABSOLUTE_TTL * 1000 }),
    jwks,
    revocation,
    mode: `token-${config.TOKEN_REVOCATION}`,
    tokenCacheSize: config.TOKEN_CACHE_SIZE
  })
  await app.register(profilesPlugin)
  await app.register(meRoutes)
  await app.register(profileRoutes)

  // The ceiling the benchmarks compare against: the same process, no authentication.
  app.get('/bench/bare', { schema: { hide: true } }, async () => ({ ok: true }))
}
