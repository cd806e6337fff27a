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
  SESSION_CACHE: Type.Union([Type.Literal('off'), Type.Literal('tracking')], {
    default: 'off',
    description: 'off: one Redis GET per session request; tracking: sessions served from memory, evicted by Redis client-side-caching invalidations'
  }),
  SESSION_CACHE_WHEN_STORE_DOWN: Type.Union([Type.Literal('fail-closed'), Type.Literal('serve-cached')], {
    default: 'fail-closed',
    description: 'SESSION_CACHE=tracking with Redis unreachable: refuse session requests (503), or keep serving the sessions already cached (a logout made before the outage that had not reached this instance is not seen; none can succeed during it)'
  }),
  SESSION_CACHE_SIZE: Type.Integer({ minimum: 0, default: 10000, description: 'sessions kept in memory at most with SESSION_CACHE=tracking (oldest dropped first)' }),
  TOKEN_CACHE_SIZE: Type.Integer({ minimum: 0, default: 10000, description: 'entries of the verified-token cache, and of the verified-cookie-signature cache (0: both off)' }),
  JWKS_REFETCH_COOLDOWN_MS: Type.Integer({ minimum: 0, default: 30000, description: 'at most one JWKS refetch per this interval for unknown kids' }),
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
