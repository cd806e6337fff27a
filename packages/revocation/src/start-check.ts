import type { Cluster, Redis } from 'ioredis'
import { denylistCheck, noRevocationCheck, type RevocationCheck } from './checks.js'
import { PushRevocationCheck } from './push-check.js'

/** How a verifier learns of revocations: TOKEN_REVOCATION. */
export type RevocationMode = 'off' | 'denylist' | 'push'

/** The lines a check writes: a pino logger fits. */
export interface CheckLogger {
  info: (message: string) => void
  warn: (object: { err: unknown }, message: string) => void
}

/**
 * A warning written at most once per `intervalMs` (one line per 10 s of an outage, not one per request or
 * retry); the error of the first call in each interval is the one logged.
 */
export function warnAtMostEvery (log: CheckLogger, message: string, intervalMs = 10_000): (error: unknown) => void {
  let warnedAt = Number.NEGATIVE_INFINITY
  return (error) => {
    if (Date.now() - warnedAt < intervalMs) return
    warnedAt = Date.now()
    log.warn({ err: error }, message)
  }
}

export interface RevocationCheckOptions {
  mode: RevocationMode
  /** denylist mode with Redis unreachable: refuse (503, the default) or accept tokens unchecked. */
  denylistWhenStoreDown?: 'fail-closed' | 'fail-open'
  /**
   * push mode, while its pushed set is not trusted and Redis does not answer the denylist either: accept
   * tokens that what it holds does not refuse (`serve-held`, the default: token requests keep working
   * through an outage) or refuse them (`fail-closed`, 503: the staleness bound holds whatever fails).
   */
  pushWhenStoreDown?: 'serve-held' | 'fail-closed'
  /** push: REVOCATION_STALENESS_MAX_MS, the longest a revoked token may be accepted whatever the connections do. */
  stalenessMaxMs?: number
  log: CheckLogger
}

/** A check as a verifier holds it: with, for push, whether its in-memory set is trusted now. */
export interface StartedRevocationCheck extends RevocationCheck {
  readonly mode: RevocationMode
  /** push: subscribed, loaded, and proven current within the bound; always true in the other modes. */
  readonly trusted: boolean
  /** push: how many times trust was lost or regained. */
  readonly trustChanges: number
}

/** Builds the check of `mode` on `redis`, logging at most one line per 10 s of a failing Redis. */
export async function startRevocationCheck (
  redis: Redis | Cluster, options: RevocationCheckOptions
): Promise<StartedRevocationCheck> {
  const { mode, log } = options
  const denylistOf = (failOpen: boolean, uncheckedMessage: string) =>
    denylistCheck(redis, { failOpen, onUnchecked: warnAtMostEvery(log, uncheckedMessage) })
  if (mode !== 'push') {
    const check = mode === 'off'
      ? noRevocationCheck
      : denylistOf(options.denylistWhenStoreDown === 'fail-open',
        'denylist unreachable: tokens accepted unchecked (DENYLIST_WHEN_STORE_DOWN=fail-open)')
    return { mode, isRevoked: check.isRevoked, close: check.close, trusted: true, trustChanges: 0 }
  }
  let trustChanges = 0
  const push = await PushRevocationCheck.start(redis, {
    keyPrefix: redis.options.keyPrefix ?? '',
    stalenessMaxMs: options.stalenessMaxMs ?? 2000,
    fallback: denylistOf((options.pushWhenStoreDown ?? 'serve-held') === 'serve-held',
      'pushed revocations not trusted and the denylist unreachable: tokens checked against what this instance holds (PUSH_WHEN_STORE_DOWN=serve-held)'),
    onError: warnAtMostEvery(log, 'revocation subscriber'),
    onTrustChange: (trusted) => {
      trustChanges++
      if (trusted) log.info('pushed revocations trusted: subscribed and the revocation log loaded')
      else log.warn({ err: undefined }, 'pushed revocations no longer trusted: every token is checked against the denylist until the subscriber is back')
    }
  })
  return {
    mode,
    isRevoked: (claims) => push.isRevoked(claims),
    close: async () => { await push.close() },
    get trusted () { return push.trusted },
    get trustChanges () { return trustChanges }
  }
}
