import type { Cluster, Redis } from 'ioredis'

// PEXPIRE ... GT treats a key without a TTL as immortal and would leave a fresh index without one;
// this sets the TTL when there is none or when it lengthens it, never shortens it.
const EXTEND_EXPIRY = `
local current = redis.call('PTTL', KEYS[1])
if current == -2 then return 0 end
if current == -1 or current < tonumber(ARGV[1]) then return redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return 0`

/**
 * Makes `key` live at least `ttlMs` more. The per-user index holds members of different lifetimes
 * (sessions, refresh-token families): it must outlive the longest of them.
 */
export async function extendExpiry (redis: Redis | Cluster, key: string, ttlMs: number): Promise<void> {
  await redis.eval(EXTEND_EXPIRY, 1, key, ttlMs)
}
