import type { TrackingSessionCache } from '@authpair/session-store'
import { Counter, Gauge, type Registry } from 'prom-client'

/** The tracking session cache's counters, read at scrape time: nothing is added to the request path. */
export function sessionCacheMetrics (registry: Registry, cache: TrackingSessionCache): void {
  const counters = {
    hits: 'session reads answered from memory',
    misses: 'session reads that went to Redis',
    invalidations: 'session keys Redis said changed',
    flushes: 'times the whole cache was dropped (tracking lost, re-established, or Redis flushed)',
    servedWhileDown: 'session requests answered from memory while Redis was unreachable (serve-cached)'
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
