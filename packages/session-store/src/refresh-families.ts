import type { Cluster, Redis } from 'ioredis'
import { familyField, indexKey, userKey, type UserIndex } from './user-index.js'

export const familyKey = (userId: string, family: string) => userKey(userId, `rt:${family}`)
export const spentKey = (userId: string, family: string) => userKey(userId, `rt:${family}:spent`)

// Atomic rotation. KEYS: family hash, spent set, user index (one slot: the user's hash tag).
// ARGV: presented hash, new hash, idle ttl ms, now ms, the family's index field.
// Returns 'ok' with the user fields, 'reuse' (a spent token: the family is now revoked), or 'invalid'.
const ROTATE = `
local family = redis.call('HMGET', KEYS[1], 'current', 'revoked', 'email', 'name', 'expiresAt')
if not family[1] or family[2] == '1' then return {'invalid'} end
if redis.call('HEXISTS', KEYS[3], ARGV[5]) == 0 then return {'invalid'} end
if family[1] == ARGV[1] then
  local left = tonumber(family[5]) - tonumber(ARGV[4])
  if left <= 0 then return {'invalid'} end
  local ttl = math.min(tonumber(ARGV[3]), left)
  redis.call('HSET', KEYS[1], 'current', ARGV[2])
  redis.call('SADD', KEYS[2], ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ttl)
  redis.call('PEXPIRE', KEYS[2], ttl)
  return {'ok', family[3], family[4]}
end
if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1 then
  redis.call('HSET', KEYS[1], 'revoked', '1')
  return {'reuse'}
end
return {'invalid'}`

// Revokes a family only for a token that belongs to it (current or spent). Returns 1 when it did.
const REVOKE = `
local current = redis.call('HGET', KEYS[1], 'current')
if not current then return 0 end
if current ~= ARGV[1] and redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'revoked', '1')
return 1`

export type Rotation =
  | { outcome: 'ok', email: string, name: string }
  /** A spent token was presented again (theft): the family is revoked now. */
  | { outcome: 'reuse' }
  | { outcome: 'invalid' }

/**
 * Refresh-token families in Redis, the only writer of their keys: one hash per family (`user:{id}:rt:<fid>`:
 * the current token's hash, the user's email and name, revoked, expiresAt) and a set of spent hashes,
 * listed in the user's index (`f:<fid>`), so log out everywhere reaches every family in one step. The
 * caller (the auth service) owns the token's format and hashing; this owns where and how it is kept.
 */
export class RefreshFamilies {
  constructor (private readonly redis: Redis | Cluster, private readonly index: UserIndex) {}

  /** Lists a new family and writes its record in one atomic step: log out everywhere sees both or neither. */
  async create (
    userId: string, family: string,
    record: { currentHash: string, email: string, name: string, expiresAt: number, ttlMs: number }
  ): Promise<void> {
    const fields = {
      current: record.currentHash, email: record.email, name: record.name, revoked: '0', expiresAt: String(record.expiresAt)
    }
    const stored = { key: familyKey(userId, family), fields, ttlMs: record.ttlMs }
    await this.index.addWithRecord(userId, familyField(family), stored)
  }

  /**
   * Spends `presentedHash` and makes `nextHash` current, if it is the family's current token, the family is
   * listed, not revoked and within its absolute lifetime; `idleTtlMs` is the family's life from now.
   */
  async rotate (
    userId: string, family: string, presentedHash: string, nextHash: string, idleTtlMs: number, now = Date.now()
  ): Promise<Rotation> {
    const [outcome, email, name] = await this.redis.eval(
      ROTATE, 3, familyKey(userId, family), spentKey(userId, family), indexKey(userId),
      presentedHash, nextHash, idleTtlMs, now, familyField(family)
    ) as string[]
    if (outcome !== 'ok') return { outcome: outcome === 'reuse' ? 'reuse' : 'invalid' }
    await this.index.extend(userId, idleTtlMs)
    return { outcome: 'ok', email: email as string, name: name as string }
  }

  /** Revokes the family if `presentedHash` is one of its tokens (current or spent); true when it did. */
  async revokeIfOwned (userId: string, family: string, presentedHash: string): Promise<boolean> {
    return await this.redis.eval(REVOKE, 2, familyKey(userId, family), spentKey(userId, family), presentedHash) === 1
  }

  /** Takes a family out of the index: it can never rotate again. */
  async unlist (userId: string, family: string): Promise<void> {
    await this.index.dropField(userId, familyField(family))
  }

  /** Deletes the records of families already unlisted (the account is deleted: nothing of it is kept). */
  async erase (userId: string, families: string[]): Promise<void> {
    if (families.length === 0) return
    // One slot (the user's hash tag): one DEL, on Cluster too.
    await this.redis.del(...families.flatMap((family) => [familyKey(userId, family), spentKey(userId, family)]))
  }

  /** Unlists every family of the user in one step and returns them (log out everywhere). */
  async unlistAll (userId: string): Promise<string[]> {
    return await this.index.takeFamilies(userId)
  }
}
