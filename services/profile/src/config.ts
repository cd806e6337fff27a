import { CommonConfigProperties, ConfigError, loadConfig } from '@authpair/config'
import { Type, type Static } from 'typebox'

export const ProfileConfigSchema = Type.Object({
  ...CommonConfigProperties,
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3002 }),
  TOKEN_REVOCATION: Type.Union([Type.Literal('off'), Type.Literal('denylist'), Type.Literal('push')], {
    default: 'off', description: 'off: purely stateless; denylist: one Redis read per token request; push: revocations pushed over pub/sub'
  }),
  DENYLIST_WHEN_STORE_DOWN: Type.Union([Type.Literal('fail-closed'), Type.Literal('fail-open')], {
    default: 'fail-closed',
    description: 'denylist mode with Redis unreachable: refuse token requests (503), or accept them unchecked (revoked tokens work until Redis is back)'
  }),
  PUSH_WHEN_STORE_DOWN: Type.Union([Type.Literal('serve-held'), Type.Literal('fail-closed')], {
    default: 'serve-held',
    description: 'push mode, while its pushed set is not trusted and Redis does not answer the denylist either: accept tokens that the revocations this instance holds do not refuse (token requests keep working; a revocation made while only this instance is cut off is missed until the token expires), or refuse them (503: REVOCATION_STALENESS_MAX_MS holds whatever fails)'
  }),
  REVOCATION_STALENESS_MAX_MS: Type.Integer({
    minimum: 100,
    default: 2000,
    description: 'push and SESSION_CACHE=tracking: the longest a revoked credential may still be accepted from memory, whatever the Redis connections do (they are probed every fifth of it; past it, requests are checked in Redis, or refused with 503 when Redis does not answer)'
  }),
  SESSION_CACHE: Type.Union([Type.Literal('off'), Type.Literal('tracking')], {
    default: 'off',
    description: 'off: one Redis GET per session request; tracking: sessions served from memory, evicted by Redis client-side-caching invalidations'
  }),
  SESSION_CACHE_WHEN_STORE_DOWN: Type.Union([Type.Literal('fail-closed'), Type.Literal('serve-cached')], {
    default: 'fail-closed',
    description: 'SESSION_CACHE=tracking with Redis unreachable from this instance: refuse session requests (503), or keep serving the sessions already cached for up to SESSION_CACHE_MAX_STALE_MS (a logout made meanwhile, possible when only this instance is cut off, is not seen until then)'
  }),
  SESSION_CACHE_MAX_STALE_MS: Type.Integer({
    minimum: 0,
    default: 60000,
    description: 'serve-cached: how long past the last moment the cache was known current a cached session may still be served; past it, 503'
  }),
  SESSION_CACHE_SIZE: Type.Integer({ minimum: 0, default: 10000, description: 'sessions kept in memory at most with SESSION_CACHE=tracking (least recently used dropped first)' }),
  TOKEN_CACHE_SIZE: Type.Integer({ minimum: 0, default: 10000, description: 'entries of the verified-token cache, and of the verified-cookie-signature cache (0: both off)' }),
  JWKS_REFETCH_COOLDOWN_MS: Type.Integer({ minimum: 0, default: 30000, description: 'at most one JWKS refetch per this interval for unknown kids' }),
  BENCH_ROUTES: Type.Boolean({
    default: false,
    description: 'serve GET /bench/bare (no authentication), the ceiling load-compare and pnpm bench measure against; off in production'
  }),
  ACCOUNT_EVENTS_POLL_MS: Type.Integer({ minimum: 10, default: 1000, description: 'how often the account event stream is read (one XREADGROUP per replica each time)' }),
  ACCOUNT_EVENTS_CLAIM_IDLE_MS: Type.Integer({
    minimum: 100,
    default: 30000,
    description: 'an account event read and not acknowledged this long (its replica died, or applying it failed) is claimed and retried'
  }),
  AUTH_URL: Type.String({ default: 'http://127.0.0.1:3001', pattern: '^https?://', description: 'where the JWKS is fetched' })
})

export type ProfileConfig = Static<typeof ProfileConfigSchema>

export function loadProfileConfig (env: Record<string, string | undefined> = process.env): ProfileConfig {
  const config = loadConfig(ProfileConfigSchema, env)
  if (config.SESSION_CACHE === 'tracking' && config.REDIS_CLUSTER_NODES !== undefined) {
    // Each shard sends the invalidations of its own keys: one tracked reader and one subscriber per
    // primary, re-paired at every resharding. Not built: refused rather than served half-tracked.
    throw new ConfigError(['SESSION_CACHE=tracking is not supported with REDIS_CLUSTER_NODES (Redis Cluster): ' +
      'use SESSION_CACHE=off there, or a standalone / Sentinel Redis'])
  }
  return config
}
