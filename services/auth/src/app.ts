import { cookieSecure, isProduction } from '@authpair/config'
import { buildService } from '@authpair/service-kit'
import { loadKeyRing } from '@authpair/keys'
import { revocationPlugin } from '@authpair/revocation'
import { RefreshFamilies, sessionCookieName, SessionStore } from '@authpair/session-store'
import cookie from '@fastify/cookie'
import type { FastifyInstance } from 'fastify'
import type { DestinationStream } from 'pino'
import type { AuthConfig } from './config.js'
import { accessTokensPlugin } from './plugins/access-tokens.js'
import { accountEventsPlugin } from './plugins/account-events.js'
import { deviceCookiePlugin } from './plugins/device-cookie.js'
import { loginLimitsPlugin } from './plugins/login-limits.js'
import { loginMetricsPlugin } from './plugins/login-metrics.js'
import { logoutEverywherePlugin } from './plugins/logout-everywhere.js'
import { refreshTokensPlugin } from './plugins/refresh-tokens.js'
import { registrationLimitsPlugin } from './plugins/registration-limits.js'
import { tokenPairPlugin } from './plugins/token-pair.js'
import { usersPlugin } from './plugins/users.js'
import accountRoutes from './routes/account/index.js'
import jwksRoutes from './routes/jwks/index.js'
import sessionsRoutes from './routes/sessions/index.js'
import tokensRoutes from './routes/tokens/index.js'
import usersRoutes from './routes/users/index.js'
import webRoutes from './routes/web/index.js'

export interface BuildOptions {
  /** Send logs here instead of stdout (tests read them). */
  logStream?: DestinationStream
}

/** The auth service, wired to the real Redis named by `config`. Ready (Redis connected) when it resolves. */
export async function buildApp (config: AuthConfig, { logStream }: BuildOptions = {}): Promise<FastifyInstance> {
  return await buildService(config, {
    service: 'auth',
    docs: {
      title: 'authpair auth service',
      description: 'Users, session login, token login, account changes, JWKS. Contract: docs/api.md',
      version: '0.1.0',
      sessionCookie: sessionCookieName(cookieSecure(config))
    },
    bodyLimit: 16 * 1024,
    logStream
  }, async (app) => await registerAuth(app, config))
}

async function registerAuth (app: FastifyInstance, config: AuthConfig): Promise<void> {
  const store = new SessionStore(app.redis, {
    idleTtlMs: config.SESSION_IDLE_TTL * 1000,
    absoluteTtlMs: config.SESSION_ABSOLUTE_TTL * 1000
  })
  const secure = cookieSecure(config)
  // One cookie parser for the whole service: the device cookie on both login routes, the session cookie.
  await app.register(cookie, { secret: config.SESSION_SECRET })
  await app.register(usersPlugin, {
    concurrency: config.PASSWORD_HASH_CONCURRENCY,
    queue: config.PASSWORD_HASH_QUEUE,
    maxWaitMs: config.PASSWORD_HASH_MAX_WAIT_MS
  })
  await app.register(loginMetricsPlugin)
  await app.register(deviceCookiePlugin, { secure })
  await app.register(loginLimitsPlugin, {
    windowSeconds: config.LOGIN_LIMIT_WINDOW,
    perIp: config.LOGIN_LIMIT_PER_IP,
    perAccount: config.LOGIN_LIMIT_PER_ACCOUNT,
    hashBudget: { perClient: config.HASH_BUDGET_PER_CLIENT, perAccount: config.HASH_BUDGET_PER_ACCOUNT }
  })
  await app.register(registrationLimitsPlugin, {
    windowSeconds: config.LOGIN_LIMIT_WINDOW,
    perIp: config.REGISTER_LIMIT_PER_IP,
    global: config.REGISTER_LIMIT_GLOBAL
  })
  const keys = await loadKeyRing({
    dir: config.JWT_PRIVATE_KEYS_DIR, jwksJson: config.JWT_PRIVATE_KEYS, generateIfMissing: !isProduction(config)
  })
  await app.register(accessTokensPlugin, {
    keys, ttlSeconds: config.ACCESS_TOKEN_TTL, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE
  })
  await app.register(revocationPlugin, { clockLeewaySeconds: config.JWT_CLOCK_LEEWAY })
  await app.register(refreshTokensPlugin, {
    ttlSeconds: config.REFRESH_TOKEN_TTL,
    maxAgeSeconds: config.REFRESH_FAMILY_MAX_AGE,
    accessTtlSeconds: config.ACCESS_TOKEN_TTL,
    families: new RefreshFamilies(app.redis, store.index)
  })
  await app.register(tokenPairPlugin, { accessTtlSeconds: config.ACCESS_TOKEN_TTL })
  await app.register(logoutEverywherePlugin, { store, accessTtlSeconds: config.ACCESS_TOKEN_TTL })
  await app.register(accountEventsPlugin, { maxLength: config.ACCOUNT_EVENTS_MAX_LENGTH })

  const sessionOptions = { secret: config.SESSION_SECRET, secure, store }
  await app.register(usersRoutes)
  await app.register(tokensRoutes)
  await app.register(jwksRoutes, { keys, maxAgeSeconds: config.JWKS_MAX_AGE })
  await app.register(sessionsRoutes, sessionOptions)
  await app.register(accountRoutes, sessionOptions)
  await app.register(webRoutes, { reportFile: config.REPORT_FILE })
}
