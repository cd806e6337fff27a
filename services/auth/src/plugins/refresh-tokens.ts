import { createHash } from 'node:crypto'
import type { RefreshFamilies } from '@authpair/session-store'
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
  /**
   * Ends every family of the user: unlisted (none rotates again) and denied (an access token one of them
   * mints after this is refused too). `erase` deletes their records as well (the account is deleted).
   */
  revokeAllForUser: (userId: string, options?: { erase?: boolean }) => Promise<void>
}

declare module 'fastify' {
  interface FastifyInstance {
    refreshTokens: RefreshTokens
  }
}

const hash = (secret: string) => createHash('sha256').update(secret).digest('base64url')
const TOKEN_PATTERN = /^([0-9a-f-]{36})\.([\w-]{22})\.([\w-]{43})$/

export interface RefreshTokensOptions {
  /** REFRESH_TOKEN_TTL: a family unused this long ends. */
  ttlSeconds: number
  /** REFRESH_FAMILY_MAX_AGE: a family ends this long after login, however often it rotates. */
  maxAgeSeconds: number
  /** ACCESS_TOKEN_TTL: how long the access tokens a revoked family minted can still live. */
  accessTtlSeconds: number
  /** Where families are kept, listed in the user's index so log out everywhere reaches them. */
  families: RefreshFamilies
}

export const refreshTokensPlugin = fp<RefreshTokensOptions>(async (fastify, options) => {
  const { ttlSeconds, maxAgeSeconds, accessTtlSeconds, families } = options
  const ttlMs = ttlSeconds * 1000

  /** A dead family takes its access tokens with it: denied in denylist and push modes until they expire. */
  async function denyFamily (userId: string, family: string): Promise<void> {
    await families.unlist(userId, family)
    const exp = Math.floor(Date.now() / 1000) + accessTtlSeconds
    await fastify.revocations.publish({ kind: 'family', sub: userId, fid: family, exp })
  }

  async function issue (user: User): Promise<{ token: string, family: string }> {
    const family = randomToken(16)
    const secret = randomToken(32)
    const expiresAt = Date.now() + maxAgeSeconds * 1000
    await families.create(user.id, family, {
      currentHash: hash(secret),
      email: user.email,
      name: user.name,
      expiresAt,
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
    const rotation = await families.rotate(userId, family, hash(secret), hash(next), ttlMs)
    if (rotation.outcome === 'reuse') {
      fastify.log.warn({ family, userId }, 'refresh token reuse: family revoked, its access tokens denied')
      await denyFamily(userId, family)
    }
    if (rotation.outcome !== 'ok') return null
    return { user: { id: userId, email: rotation.email, name: rotation.name }, token: `${userId}.${family}.${next}`, family }
  }

  async function revoke (token: string): Promise<void> {
    const parsed = parse(token)
    if (parsed === null) return
    const [userId, family, secret] = parsed
    if (await families.revokeIfOwned(userId, family, hash(secret))) await denyFamily(userId, family)
  }

  async function revokeAllForUser (userId: string, { erase = false }: { erase?: boolean } = {}): Promise<void> {
    // Unlisted at once: no family can rotate again. The access tokens issued so far fall to the caller's
    // user-wide cut-off; denying each family also refuses one signed after that cut-off by a login or refresh
    // that had read its family before (the token carries the family).
    const taken = await families.unlistAll(userId)
    const exp = Math.floor(Date.now() / 1000) + accessTtlSeconds
    for (const family of taken) await fastify.revocations.publish({ kind: 'family', sub: userId, fid: family, exp })
    if (erase) await families.erase(userId, taken)
  }

  fastify.decorate('refreshTokens', { issue, rotate, revoke, revokeAllForUser })
}, { name: 'authpair-refresh-tokens', dependencies: ['authpair-redis', 'authpair-revocation'] })
