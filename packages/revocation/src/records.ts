import type { Cluster, Redis } from 'ioredis'

/**
 * An access token stops being accepted before its `exp` in two ways: its own `jti` is denied, or its
 * user logged out everywhere and every token issued before that instant is denied. Both are kept only
 * until the tokens concerned would have expired anyway (`exp`, epoch seconds).
 */
export type Revocation =
  | { kind: 'jti', sub: string, jti: string, exp: number }
  | { kind: 'user', sub: string, before: number, exp: number }

/** The claims a revocation decision looks at: every verified access token has them. */
export interface RevocableClaims {
  sub: string
  jti: string
  iat: number
}

/** Both keys of one user share a hash tag, so a denylist check is one MGET even on Redis Cluster. */
export const revocationKeys = {
  deniedJti: (sub: string, jti: string) => `user:{${sub}}:deny:${jti}`,
  revokedBefore: (sub: string) => `user:{${sub}}:revoked-before`,
  /** Sorted set of live revocations (score: expiry in ms), so a subscriber can load the current set at connect. */
  log: 'revocations'
}

/** Pub/sub channels are not covered by ioredis' keyPrefix: the prefix is added here. */
export const revocationChannel = (keyPrefix: string) => `${keyPrefix}revocations`

/** Records a revocation for all three modes: denylist keys, the log, and a message to subscribers. */
export async function publishRevocation (
  redis: Redis | Cluster, keyPrefix: string, revocation: Revocation, now = Date.now()
): Promise<void> {
  const ttlMs = revocation.exp * 1000 - now
  if (ttlMs <= 0) return
  if (revocation.kind === 'jti') {
    await redis.set(revocationKeys.deniedJti(revocation.sub, revocation.jti), '1', 'PX', ttlMs)
  } else {
    await redis.set(revocationKeys.revokedBefore(revocation.sub), String(revocation.before), 'PX', ttlMs)
  }
  const message = JSON.stringify(revocation)
  await redis.zadd(revocationKeys.log, revocation.exp * 1000, message)
  await redis.zremrangebyscore(revocationKeys.log, '-inf', now)
  await redis.publish(revocationChannel(keyPrefix), message)
}

/** Whether a token's claims are revoked by one of the revocations held for its user. */
export function isRevoked (claims: RevocableClaims, deniedJti: boolean, revokedBefore: number | null): boolean {
  return deniedJti || (revokedBefore !== null && claims.iat <= revokedBefore)
}
