import { isStoreUnavailable } from '@authpair/redis'
import type { Cluster, Redis } from 'ioredis'
import { denylistKeys, isRevoked, type RevocableClaims } from './records.js'

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
        [denied, family, before] = await redis.mget(denylistKeys(claims))
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
