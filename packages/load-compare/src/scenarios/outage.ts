import { setTimeout as sleep } from 'node:timers/promises'
import type { Harness, ModeSpec } from '../harness.js'
import type { RunRecord, TimelineRecord } from '../schema.js'

const MODES: ModeSpec[] = [
  { mode: 'session', variant: 'one GET per request', role: 'stateless', credential: 'cookie' },
  { mode: 'session+tracking', variant: 'fail-closed', role: 'tracking', credential: 'cookie' },
  { mode: 'session+tracking', variant: 'serve-cached', role: 'tracking-serve-cached', credential: 'cookie' },
  { mode: 'token', variant: 'cache on, revocation off', role: 'stateless', credential: 'bearer' },
  { mode: 'token+denylist', variant: 'cache on', role: 'denylist', credential: 'bearer' },
  { mode: 'token+push', variant: 'cache on', role: 'push', credential: 'bearer' }
]

export interface OutagePlan {
  /** Seconds of load in all. */
  duration: number
  /** Redis is killed this many seconds in… */
  downAt: number
  /** …and started again (same data: append-only file) this many seconds in. */
  upAt: number
  /** Requests per second offered to each mode. */
  rate: number
}

/**
 * Every mode under the same steady load at once while Redis is killed and later restarted: answers per
 * second show who keeps serving, who fails fast, and that all recover without a restart of their own.
 */
export async function outage (harness: Harness, plan: OutagePlan): Promise<RunRecord[]> {
  const redis = harness.stack.ownRedis
  if (redis === undefined) throw new Error('the outage scenario needs a Redis of its own (redis-server)')
  const started = performance.now()
  const second = () => Math.floor((performance.now() - started) / 1000)
  let downFrom = Infinity
  let downUntil = Infinity
  const chaos = (async () => {
    await sleep(plan.downAt * 1000)
    downFrom = second()
    await redis.kill()
    await sleep((plan.upAt - plan.downAt) * 1000)
    await redis.restart()
    downUntil = second()
  })()

  const runs = await Promise.all(MODES.map(async (spec) => {
    const timeline: TimelineRecord[] = []
    const run = await harness.run(spec, {
      scenario: 'outage',
      rate: plan.rate,
      connections: 16,
      duration: plan.duration,
      noWarmup: true,
      variantSuffix: `Redis down ${plan.downAt}–${plan.upAt} s`,
      onAnswer: (ok) => {
        const at = second()
        while (timeline.length <= at) timeline.push({ second: timeline.length, ok: 0, failed: 0, storeDown: false })
        const point = timeline[at] as TimelineRecord
        if (ok) point.ok++
        else point.failed++
      },
      // Several modes share the machine during this run: per-request costs would mean nothing.
      extra: {
        cpuMicrosPerRequest: null,
        redisCommandsPerRequest: null,
        redisCpuMicrosPerRequest: null,
        redisCommandsPerRead: null
      }
    })
    return { run, timeline }
  }))
  await chaos
  return runs.map(({ run, timeline }) => ({
    ...run,
    timeline: timeline.map((point) => ({ ...point, storeDown: point.second >= downFrom && point.second <= downUntil }))
  }))
}
