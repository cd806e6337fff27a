import type { Cluster, Redis } from 'ioredis'

/**
 * An access token stops being accepted before its `exp` in three ways: its own `jti` is denied; the
 * refresh-token family that minted it (`fid`) is denied (revoked, or a spent refresh token was replayed:
 * theft); or its user logged out everywhere and every token issued up to that millisecond (`beforeMs`,
 * compared with the token's `iat_ms`) is denied. Each is
 * kept until every token it concerns is refused by the verifiers anyway: `exp` (epoch seconds) is the
 * latest expiry of those tokens, and the publisher adds the clock leeway verifiers allow past it.
 */
export type Revocation =
  | { kind: 'jti', sub: string, jti: string, exp: number }
  | { kind: 'family', sub: string, fid: string, exp: number }
  | { kind: 'user', sub: string, beforeMs: number, exp: number }

/** The claims a revocation decision looks at: every verified access token has them. */
export interface RevocableClaims {
  sub: string
  jti: string
  fid: string
  iat: number
  /** The issue time in ms, which `iat` (whole seconds) cannot tell from a cut-off in the same second. */
  iat_ms?: number
}

/** The keys of one user share a hash tag, so a denylist check is one MGET even on Redis Cluster. */
export const revocationKeys = {
  deniedJti: (sub: string, jti: string) => `user:{${sub}}:deny:${jti}`,
  deniedFamily: (sub: string, fid: string) => `user:{${sub}}:deny-family:${fid}`,
  revokedBefore: (sub: string) => `user:{${sub}}:revoked-before-ms`,
  /** Sorted set of live revocations (score: expiry in ms), so a subscriber can load the current set at connect. */
  log: 'revocations'
}

/** Pub/sub channels are not covered by ioredis' keyPrefix: the prefix is added here. */
export const revocationChannel = (keyPrefix: string) => `${keyPrefix}revocations`

/**
 * The keys (and the channel) this package owns, spelled by its builders with placeholders: the README's key
 * table is checked against it.
 */
export const ownedKeys: readonly string[] = [
  revocationKeys.deniedJti('<user id>', '<jti>'),
  revocationKeys.deniedFamily('<user id>', '<fid>'),
  revocationKeys.revokedBefore('<user id>'),
  revocationKeys.log,
  revocationChannel('<prefix>')
]

/** Records a revocation for all three modes: denylist keys, the log, and a message to subscribers. */
export async function publishRevocation (
  redis: Redis | Cluster, keyPrefix: string, revocation: Revocation, now = Date.now()
): Promise<void> {
  const ttlMs = revocation.exp * 1000 - now
  if (ttlMs <= 0) return
  if (revocation.kind === 'jti') {
    await redis.set(revocationKeys.deniedJti(revocation.sub, revocation.jti), '1', 'PX', ttlMs)
  } else if (revocation.kind === 'family') {
    await redis.set(revocationKeys.deniedFamily(revocation.sub, revocation.fid), '1', 'PX', ttlMs)
  } else {
    await redis.set(revocationKeys.revokedBefore(revocation.sub), String(revocation.beforeMs), 'PX', ttlMs)
  }
  const message = JSON.stringify(revocation)
  await redis.zadd(revocationKeys.log, revocation.exp * 1000, message)
  await redis.zremrangebyscore(revocationKeys.log, '-inf', now)
  await redis.publish(revocationChannel(keyPrefix), message)
}

/**
 * When a token was issued, in ms. A token without `iat_ms` (or with one that disagrees with its `iat`) counts
 * from the start of its `iat` second, so a cut-off in that second denies it: never a survivor from before.
 */
export function issuedAtMs (claims: RevocableClaims): number {
  const ms = claims.iat_ms
  return ms !== undefined && Math.floor(ms / 1000) === claims.iat ? ms : claims.iat * 1000
}

/** Whether a token's claims are revoked by one of the revocations held for its user. */
export function isRevoked (claims: RevocableClaims, denied: boolean, revokedBeforeMs: number | null): boolean {
  return denied || (revokedBeforeMs !== null && issuedAtMs(claims) <= revokedBeforeMs)
}

/**
 * The read a denylist check sends for a token's claims, for tools that replay it against Redis directly
 * (load-compare's Redis-ceiling scenario): the real keys, spelled only here.
 */
export function denylistReadCommand (claims: Pick<RevocableClaims, 'sub' | 'jti' | 'fid'>): string[] {
  return ['MGET', ...denylistKeys(claims)]
}

/** The three keys a denylist check reads for a token, in one slot (the user's hash tag). */
export function denylistKeys (claims: Pick<RevocableClaims, 'sub' | 'jti' | 'fid'>): [string, string, string] {
  return [
    revocationKeys.deniedJti(claims.sub, claims.jti),
    revocationKeys.deniedFamily(claims.sub, claims.fid),
    revocationKeys.revokedBefore(claims.sub)
  ]
}
