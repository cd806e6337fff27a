import { createHash } from 'node:crypto'
import type { UserIndex } from '@authpair/session-store'
import fp from 'fastify-plugin'
import { randomToken } from '../lib/random.js'
import type { User } from './users.js'

/**
 * Refresh tokens are `<family>.<secret>`: the family routes the token to its record, the 256-bit secret
 * proves possession. Only SHA-256 of the secret is stored (a high-entropy secret needs no slow hash).
 * One family per login; each refresh spends the token and issues its successor in the same family.
 */
export interface RefreshTokens {
  issue: (user: User) => Promise<string>
  /** Spends `token` and returns its successor; InvalidGrant-worthy outcomes come back as null. */
  rotate: (token: string) => Promise<{ user: User, token: string } | null>
  /** Revokes the token's family if the token belongs to it (RFC 7009: unknown tokens are ignored). */
  revoke: (token: string) => Promise<void>
  revokeAllForUser: (userId: string) => Promise<void>
}

declare module 'fastify' {
  interface FastifyInstance {
    refreshTokens: RefreshTokens
  }
}

const familyKey = (family: string) => `rt:{${family}}`
const spentKey = (family: string) => `rt:{${family}}:spent`
const hash = (secret: string) => createHash('sha256').update(secret).digest('base64url')
const TOKEN_PATTERN = /^([\w-]{22})\.([\w-]{43})$/

// Atomic rotation. KEYS: family hash, spent set (one slot: same hash tag). ARGV: presented hash, new hash, ttl ms.
// Returns 'ok' with the user fields, 'reuse' (a spent token: the family is now revoked), or 'invalid'.
const ROTATE = `
local family = redis.call('HMGET', KEYS[1], 'current', 'revoked', 'userId', 'email', 'name')
if not family[1] or family[2] == '1' then return {'invalid'} end
if family[1] == ARGV[1] then
  redis.call('HSET', KEYS[1], 'current', ARGV[2])
  redis.call('SADD', KEYS[2], ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
  return {'ok', family[3], family[4], family[5]}
end
if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1 then
  redis.call('HSET', KEYS[1], 'revoked', '1')
  return {'reuse', family[3]}
end
return {'invalid'}`

// Revokes a family only for a token that belongs to it (current or spent). Returns the user id or false.
const REVOKE = `
local current = redis.call('HGET', KEYS[1], 'current')
if not current then return false end
if current ~= ARGV[1] and redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 0 then return false end
redis.call('HSET', KEYS[1], 'revoked', '1')
return redis.call('HGET', KEYS[1], 'userId')`

// Marks a family revoked if it still exists (an expired one must not come back as a bare 'revoked' hash).
const REVOKE_FAMILY = `
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'revoked', '1') end
return 1`

export interface RefreshTokensOptions {
  ttlSeconds: number
  /** The per-user index the families are listed in, so log out everywhere reaches them. */
  index: UserIndex
}

export const refreshTokensPlugin = fp<RefreshTokensOptions>(async (fastify, { ttlSeconds, index }) => {
  const redis = fastify.redis
  const ttlMs = ttlSeconds * 1000

  async function issue (user: User): Promise<string> {
    const family = randomToken(16)
    const secret = randomToken(32)
    // Indexed under the user first, so "log out everywhere" can never miss a family that exists.
    await index.addFamily(user.id, family, ttlMs)
    await redis.hset(familyKey(family), { current: hash(secret), userId: user.id, email: user.email, name: user.name, revoked: '0' })
    await redis.pexpire(familyKey(family), ttlMs)
    return `${family}.${secret}`
  }

  async function rotate (token: string): Promise<{ user: User, token: string } | null> {
    const match = TOKEN_PATTERN.exec(token)
    if (match === null) return null
    const [, family, secret] = match as unknown as [string, string, string]
    const next = randomToken(32)
    const [outcome, userId, email, name] = await redis.eval(
      ROTATE, 2, familyKey(family), spentKey(family), hash(secret), hash(next), ttlMs
    ) as string[]
    if (outcome === 'reuse') {
      fastify.log.warn({ family, userId }, 'refresh token reuse: family revoked')
      await index.dropFamily(userId as string, family)
    }
    if (outcome !== 'ok') return null
    await index.extend(userId as string, ttlMs)
    return { user: { id: userId as string, email: email as string, name: name as string }, token: `${family}.${next}` }
  }

  async function revoke (token: string): Promise<void> {
    const match = TOKEN_PATTERN.exec(token)
    if (match === null) return
    const [, family, secret] = match as unknown as [string, string, string]
    const userId = await redis.eval(REVOKE, 2, familyKey(family), spentKey(family), hash(secret)) as string | null
    if (userId !== null) await index.dropFamily(userId, family)
  }

  async function revokeAllForUser (userId: string): Promise<void> {
    const families = await index.families(userId)
    await Promise.all(families.map((family) => redis.eval(REVOKE_FAMILY, 1, familyKey(family))))
    for (const family of families) await index.dropFamily(userId, family)
  }

  fastify.decorate('refreshTokens', { issue, rotate, revoke, revokeAllForUser })
}, { name: 'authpair-refresh-tokens', dependencies: ['authpair-redis'] })
