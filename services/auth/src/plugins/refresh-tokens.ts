import { createHash } from 'node:crypto'
import { UserIndex } from '@authpair/session-store'
import fp from 'fastify-plugin'
import { randomToken } from '../lib/random.js'
import type { User } from './users.js'

/**
 * Refresh tokens are `<user id>.<family>.<secret>`: the user id and family route the token to its record
 * (in the user's hash slot, beside the user's index), the 256-bit secret proves possession. Only SHA-256 of
 * the secret is stored (a high-entropy secret needs no slow hash). One family per login; each refresh spends
 * the token and issues its successor in the same family.
 *
 * A family is alive while its record is not revoked, its absolute lifetime (REFRESH_FAMILY_MAX_AGE) has not
 * run out, and it is listed in the user's index: log out everywhere takes every listed family out of the
 * index in one step, and rotation checks the listing in the same script that spends the token.
 */
export interface RefreshTokens {
  issue: (user: User) => Promise<{ token: string, family: string }>
  /** Spends `token` and returns its successor; null for anything that is not a live family's current token. */
  rotate: (token: string) => Promise<{ user: User, token: string, family: string } | null>
  /** Revokes the token's family if the token belongs to it (RFC 7009: unknown tokens are ignored). */
  revoke: (token: string) => Promise<void>
  revokeAllForUser: (userId: string) => Promise<void>
}

declare module 'fastify' {
  interface FastifyInstance {
    refreshTokens: RefreshTokens
  }
}

const familyKey = (userId: string, family: string) => UserIndex.userKey(userId, `rt:${family}`)
const spentKey = (userId: string, family: string) => UserIndex.userKey(userId, `rt:${family}:spent`)
const hash = (secret: string) => createHash('sha256').update(secret).digest('base64url')
const TOKEN_PATTERN = /^([0-9a-f-]{36})\.([\w-]{22})\.([\w-]{43})$/

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

export interface RefreshTokensOptions {
  /** REFRESH_TOKEN_TTL: a family unused this long ends. */
  ttlSeconds: number
  /** REFRESH_FAMILY_MAX_AGE: a family ends this long after login, however often it rotates. */
  maxAgeSeconds: number
  /** ACCESS_TOKEN_TTL: how long the access tokens a revoked family minted can still live. */
  accessTtlSeconds: number
  /** The per-user index the families are listed in, so log out everywhere reaches them. */
  index: UserIndex
}

export const refreshTokensPlugin = fp<RefreshTokensOptions>(async (fastify, options) => {
  const { ttlSeconds, maxAgeSeconds, accessTtlSeconds, index } = options
  const redis = fastify.redis
  const ttlMs = ttlSeconds * 1000

  /** A dead family takes its access tokens with it: denied in denylist and push modes until they expire. */
  async function denyFamily (userId: string, family: string): Promise<void> {
    await index.dropFamily(userId, family)
    const exp = Math.floor(Date.now() / 1000) + accessTtlSeconds
    await fastify.revocations.publish({ kind: 'family', sub: userId, fid: family, exp })
  }

  async function issue (user: User): Promise<{ token: string, family: string }> {
    const family = randomToken(16)
    const secret = randomToken(32)
    const expiresAt = Date.now() + maxAgeSeconds * 1000
    await index.addFamily(user.id, family, {
      key: familyKey(user.id, family),
      fields: { current: hash(secret), email: user.email, name: user.name, revoked: '0', expiresAt: String(expiresAt) },
      ttlMs: Math.min(ttlMs, maxAgeSeconds * 1000)
    })
    return { token: `${user.id}.${family}.${secret}`, family }
  }

  function parse (token: string): [userId: string, family: string, secret: string] | null {
    const match = TOKEN_PATTERN.exec(token)
    return match === null ? null : [match[1] as string, match[2] as string, match[3] as string]
  }

  async function rotate (token: string): Promise<{ user: User, token: string, family: string } | null> {
    const parsed = parse(token)
    if (parsed === null) return null
    const [userId, family, secret] = parsed
    const next = randomToken(32)
    const [outcome, email, name] = await redis.eval(
      ROTATE, 3, familyKey(userId, family), spentKey(userId, family), UserIndex.key(userId),
      hash(secret), hash(next), ttlMs, Date.now(), UserIndex.familyField(family)
    ) as string[]
    if (outcome === 'reuse') {
      fastify.log.warn({ family, userId }, 'refresh token reuse: family revoked, its access tokens denied')
      await denyFamily(userId, family)
    }
    if (outcome !== 'ok') return null
    await index.extend(userId, ttlMs)
    return { user: { id: userId, email: email as string, name: name as string }, token: `${userId}.${family}.${next}`, family }
  }

  async function revoke (token: string): Promise<void> {
    const parsed = parse(token)
    if (parsed === null) return
    const [userId, family, secret] = parsed
    const revoked = await redis.eval(REVOKE, 2, familyKey(userId, family), spentKey(userId, family), hash(secret))
    if (revoked === 1) await denyFamily(userId, family)
  }

  async function revokeAllForUser (userId: string): Promise<void> {
    // Unlisted at once: no family can rotate again. Its access tokens fall to the caller's user-wide denial.
    await index.takeFamilies(userId)
  }

  fastify.decorate('refreshTokens', { issue, rotate, revoke, revokeAllForUser })
}, { name: 'authpair-refresh-tokens', dependencies: ['authpair-redis', 'authpair-revocation'] })
