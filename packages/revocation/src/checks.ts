import { isStoreUnavailable } from '@authpair/redis'
import type { Cluster, Redis } from 'ioredis'
import { isRevoked, revocationChannel, revocationKeys, type RevocableClaims, type Revocation } from './records.js'

/** How a verified token's revocation is checked: the three modes of TOKEN_REVOCATION. */
export interface RevocationCheck {
  isRevoked: (claims: RevocableClaims) => boolean | Promise<boolean>
  close: () => Promise<void>
}

/** off: nothing is checked; a revoked token works until its exp. That is the stateless trade-off. */
export const noRevocationCheck: RevocationCheck = { isRevoked: () => false, close: async () => {} }

/**
 * denylist: one MGET per request (both keys share the user's hash tag). Redis down: fail closed (the
 * error becomes a 503), or, when configured to fail open, accept the token unchecked and say so.
 */
export function denylistCheck (
  redis: Redis | Cluster,
  { failOpen = false, onUnchecked = () => {} }: { failOpen?: boolean, onUnchecked?: (error: unknown) => void } = {}
): RevocationCheck {
  return {
    async isRevoked (claims) {
      let denied: string | null | undefined
      let family: string | null | undefined
      let before: string | null | undefined
      try {
        [denied, family, before] = await redis.mget(
          revocationKeys.deniedJti(claims.sub, claims.jti),
          revocationKeys.deniedFamily(claims.sub, claims.fid),
          revocationKeys.revokedBefore(claims.sub)
        )
      } catch (error) {
        if (!failOpen || !isStoreUnavailable(error)) throw error
        onUnchecked(error)
        return false
      }
      return isRevoked(claims, denied != null || family != null, before == null ? null : Number(before))
    },
    close: async () => {}
  }
}

/**
 * push: revocations arrive over pub/sub and are kept in memory until the tokens concerned expire, so a
 * request costs no Redis work. At every (re)connection the current set is loaded from the revocation
 * log, so nothing published while this instance was disconnected is missed.
 */
export async function pushCheck (
  redis: Redis | Cluster, keyPrefix: string, onError: (error: unknown) => void
): Promise<RevocationCheck & { loaded: () => number }> {
  const deniedJtis = new Map<string, number>() // jti -> exp (s)
  const deniedFamilies = new Map<string, number>() // fid -> exp (s)
  const revokedBefore = new Map<string, { before: number, exp: number }>() // sub -> latest
  const apply = (revocation: Revocation) => {
    if (revocation.kind === 'jti') deniedJtis.set(revocation.jti, revocation.exp)
    else if (revocation.kind === 'family') deniedFamilies.set(revocation.fid, revocation.exp)
    else if ((revokedBefore.get(revocation.sub)?.before ?? -1) < revocation.before) {
      revokedBefore.set(revocation.sub, { before: revocation.before, exp: revocation.exp })
    }
  }
  const parse = (message: string): Revocation | null => {
    try { return JSON.parse(message) as Revocation } catch { return null }
  }
  const loadLog = async () => {
    for (const message of await redis.zrangebyscore(revocationKeys.log, Date.now(), '+inf')) {
      const revocation = parse(message)
      if (revocation !== null) apply(revocation)
    }
  }

  const subscriber = redis.duplicate()
  subscriber.on('error', onError)
  subscriber.on('message', (_channel: string, message: string) => {
    const revocation = parse(message)
    if (revocation !== null) apply(revocation)
  })
  // Subscribe first, then load: a revocation published in between is seen twice, never missed.
  await subscriber.connect()
  await subscriber.subscribe(revocationChannel(keyPrefix))
  await loadLog()
  // Every later 'ready' is a reconnection (ioredis resubscribes by itself): reload what was missed meanwhile.
  subscriber.on('ready', () => { loadLog().catch(onError) })

  const prune = setInterval(() => {
    const now = Date.now() / 1000
    for (const [jti, exp] of deniedJtis) if (exp <= now) deniedJtis.delete(jti)
    for (const [fid, exp] of deniedFamilies) if (exp <= now) deniedFamilies.delete(fid)
    for (const [sub, entry] of revokedBefore) if (entry.exp <= now) revokedBefore.delete(sub)
  }, 60_000).unref()

  return {
    isRevoked: (claims) => {
      const denied = deniedJtis.has(claims.jti) || deniedFamilies.has(claims.fid)
      return isRevoked(claims, denied, revokedBefore.get(claims.sub)?.before ?? null)
    },
    loaded: () => deniedJtis.size + deniedFamilies.size + revokedBefore.size,
    close: async () => {
      clearInterval(prune)
      subscriber.disconnect()
    }
  }
}
