import type { TrackingSessionCache } from '@authpair/session-store'
import { Counter, Gauge, type Registry } from 'prom-client'

/** The tracking session cache's counters, read at scrape time: nothing is added to the request path. */
export function sessionCacheMetrics (registry: Registry, cache: TrackingSessionCache): void {
  const counters = {
    hits: 'session reads answered from memory',
    misses: 'session reads that went to Redis',
    invalidations: 'session keys Redis said changed',
    flushes: 'times the whole cache was dropped (tracking lost, re-established, or Redis flushed)',
    servedWhileDown: 'session requests answered from memory while Redis was unreachable (serve-cached)',
    setupFailures: 'attempts to set tracking up again after a reconnection that failed (each retried with backoff)'
  } as const
  for (const [stat, help] of Object.entries(counters) as Array<[keyof typeof counters, string]>) {
    const name = stat.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)
    // eslint-disable-next-line no-new -- registered with `registry`, which keeps it
    new Counter({
      name: `authpair_session_cache_${name}_total`,
      help,
      registers: [registry],
      collect () {
        this.reset()
        this.inc(cache.stats[stat])
      }
    })
  }
  // eslint-disable-next-line no-new
  new Gauge({
    name: 'authpair_session_cache_entries',
    help: 'sessions held in memory',
    registers: [registry],
    collect () { this.set(cache.size) }
  })
  // eslint-disable-next-line no-new
  new Gauge({
    name: 'authpair_session_cache_tracking',
    help: '1 while Redis tracking is on and the cache is trusted, 0 while it is lost',
    registers: [registry],
    collect () { this.set(cache.isTracking ? 1 : 0) }
  })
}

interface TrustSource {
  trusted: () => boolean
  changes: () => number
}

/**
 * Whether each in-memory revocation path (pushed revocations, the tracked session cache) is trusted now,
 * and how often that changed: 0 means requests are being checked in Redis (or refused) instead.
 */
export function revocationTrustMetrics (
  registry: Registry, sources: Record<'push' | 'session-tracking', TrustSource | undefined>
): void {
  const present = Object.entries(sources).filter((entry): entry is [string, TrustSource] => entry[1] !== undefined)
  if (present.length === 0) return
  // eslint-disable-next-line no-new
  new Gauge({
    name: 'authpair_revocation_trusted',
    help: '1 while what this instance holds in memory is proven current within REVOCATION_STALENESS_MAX_MS',
    labelNames: ['mode'] as const,
    registers: [registry],
    collect () { for (const [mode, source] of present) this.set({ mode }, source.trusted() ? 1 : 0) }
  })
  // eslint-disable-next-line no-new
  new Counter({
    name: 'authpair_revocation_trust_changes_total',
    help: 'times the in-memory revocation state was lost or trusted again',
    labelNames: ['mode'] as const,
    registers: [registry],
    collect () {
      this.reset()
      for (const [mode, source] of present) this.inc({ mode }, source.changes())
    }
  })
}
