import type { CheckLogger } from '@authpair/revocation'
import type { Cluster, Redis } from 'ioredis'
import type { Registry } from 'prom-client'

/** What a service tells the verifier; everything but the first five has the profile service's default. */
export interface VerifierOptions {
  /** The auth service's base URL: its JWKS is `${authUrl}/.well-known/jwks.json`. */
  authUrl: string
  /** The Redis the auth service writes sessions and revocations to, with its key prefix (connected). */
  redis: Redis | Cluster
  /** The cookie-signing secret the auth service signs session cookies with (≥ 32 characters). */
  sessionSecret: string
  /** `iss` and `aud` the tokens must carry. */
  issuer: string
  audience: string
  /** Whether session cookies are Secure: it decides their name (`__Host-sid` or `sid`). Default false. */
  cookieSecure?: boolean
  /** `off` (a revoked token works until exp), `denylist` (one MGET per token request) or `push`. Default off. */
  revocation?: 'off' | 'denylist' | 'push'
  denylistWhenStoreDown?: 'fail-closed' | 'fail-open'
  pushWhenStoreDown?: 'serve-held' | 'fail-closed'
  /** push and tracking: the longest a revoked credential may be accepted from memory. Default 2000. */
  stalenessMaxMs?: number
  /** `off` (one GET per session request) or `tracking` (from memory, kept correct by Redis). Default off. */
  sessionCache?: 'off' | 'tracking'
  sessionCacheSize?: number
  sessionCacheWhenStoreDown?: 'fail-closed' | 'serve-cached'
  sessionCacheMaxStaleMs?: number
  /** Must match the auth service's SESSION_IDLE_TTL and SESSION_ABSOLUTE_TTL. Defaults 1800 and 43200. */
  sessionIdleTtlSeconds?: number
  sessionAbsoluteTtlSeconds?: number
  /** Verified tokens (and cookie signatures) kept; 0 turns both caches off. Default 10000. */
  tokenCacheSize?: number
  /** Must match the auth service's ACCESS_TOKEN_TTL: a token claiming a longer life is refused. Default 900. */
  accessTokenTtlSeconds?: number
  /** Clock skew tolerated on exp/nbf/iat. Default 1. */
  clockLeewaySeconds?: number
  /** At most one JWKS refetch per this interval for unknown kids. Default 30000. */
  jwksCooldownMs?: number
  /** Where warnings go (a pino logger fits). Default: nowhere. */
  log?: CheckLogger
  /** Where the metrics are registered (prom-client). Default: none kept. */
  metrics?: Registry
}

export type VerifierSettings = Required<Omit<VerifierOptions, 'metrics'>> & { metrics: Registry | undefined }

/** Thrown at start with every problem of the options, one line each. */
export class VerifierOptionsError extends Error {
  constructor (readonly problems: string[]) {
    super(`Invalid @authpair/verify options:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`)
    this.name = 'VerifierOptionsError'
  }
}

const silent: CheckLogger = { info: () => {}, warn: () => {} }

const oneOf = (name: string, value: unknown, allowed: readonly string[], problems: string[]) => {
  if (!allowed.includes(value as string)) problems.push(`${name}: must be one of ${allowed.join(', ')} (got ${JSON.stringify(value)})`)
}
const whole = (name: string, value: unknown, minimum: number, problems: string[]) => {
  if (!Number.isInteger(value) || (value as number) < minimum) {
    problems.push(`${name}: must be a whole number of at least ${minimum} (got ${JSON.stringify(value)})`)
  }
}

/** The options with their defaults filled in, or a VerifierOptionsError naming each bad one. */
export function validateVerifierOptions (options: VerifierOptions): VerifierSettings {
  const settings: VerifierSettings = {
    cookieSecure: false,
    revocation: 'off',
    denylistWhenStoreDown: 'fail-closed',
    pushWhenStoreDown: 'serve-held',
    stalenessMaxMs: 2000,
    sessionCache: 'off',
    sessionCacheSize: 10_000,
    sessionCacheWhenStoreDown: 'fail-closed',
    sessionCacheMaxStaleMs: 60_000,
    sessionIdleTtlSeconds: 1800,
    sessionAbsoluteTtlSeconds: 43_200,
    tokenCacheSize: 10_000,
    accessTokenTtlSeconds: 900,
    clockLeewaySeconds: 1,
    jwksCooldownMs: 30_000,
    log: silent,
    ...Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as VerifierOptions,
    metrics: options.metrics
  }
  const problems: string[] = []
  if (typeof settings.authUrl !== 'string' || !/^https?:\/\/[^/]/.test(settings.authUrl)) {
    problems.push(`authUrl: must be an http(s) URL of the auth service (got ${JSON.stringify(settings.authUrl)})`)
  }
  if (typeof settings.redis?.get !== 'function') problems.push('redis: must be an ioredis client (Redis or Cluster)')
  if (typeof settings.sessionSecret !== 'string' || settings.sessionSecret.length < 32) {
    problems.push('sessionSecret: must be the auth service\'s SESSION_SECRET, at least 32 characters (not shown)')
  }
  for (const name of ['issuer', 'audience'] as const) {
    if (typeof settings[name] !== 'string' || settings[name] === '') problems.push(`${name}: must be a non-empty string`)
  }
  oneOf('revocation', settings.revocation, ['off', 'denylist', 'push'], problems)
  oneOf('denylistWhenStoreDown', settings.denylistWhenStoreDown, ['fail-closed', 'fail-open'], problems)
  oneOf('pushWhenStoreDown', settings.pushWhenStoreDown, ['serve-held', 'fail-closed'], problems)
  oneOf('sessionCache', settings.sessionCache, ['off', 'tracking'], problems)
  oneOf('sessionCacheWhenStoreDown', settings.sessionCacheWhenStoreDown, ['fail-closed', 'serve-cached'], problems)
  whole('stalenessMaxMs', settings.stalenessMaxMs, 100, problems)
  whole('sessionCacheSize', settings.sessionCacheSize, 0, problems)
  whole('sessionCacheMaxStaleMs', settings.sessionCacheMaxStaleMs, 0, problems)
  whole('sessionIdleTtlSeconds', settings.sessionIdleTtlSeconds, 1, problems)
  whole('sessionAbsoluteTtlSeconds', settings.sessionAbsoluteTtlSeconds, 1, problems)
  whole('tokenCacheSize', settings.tokenCacheSize, 0, problems)
  whole('accessTokenTtlSeconds', settings.accessTokenTtlSeconds, 1, problems)
  whole('clockLeewaySeconds', settings.clockLeewaySeconds, 0, problems)
  whole('jwksCooldownMs', settings.jwksCooldownMs, 0, problems)
  if (settings.sessionAbsoluteTtlSeconds < settings.sessionIdleTtlSeconds) {
    problems.push('sessionAbsoluteTtlSeconds: must not be shorter than sessionIdleTtlSeconds')
  }
  if (settings.sessionCache === 'tracking' && settings.redis?.isCluster === true) {
    problems.push('sessionCache: tracking needs a standalone or Sentinel Redis, not Redis Cluster')
  }
  if (problems.length > 0) throw new VerifierOptionsError(problems)
  return settings
}
