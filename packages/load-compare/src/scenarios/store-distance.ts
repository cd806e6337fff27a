import type { Harness, ModeSpec } from '../harness.js'
import type { RunRecord } from '../schema.js'

export const ADDED_RTTS_MS = [0, 1, 5]

const DISTANT: ModeSpec[] = [
  { mode: 'session', variant: 'one GET per request', role: 'distant', credential: 'cookie' },
  { mode: 'session', variant: 'one GET per request, auto-pipelining off', role: 'distant-unbatched', credential: 'cookie' },
  { mode: 'session+tracking', variant: 'session from memory', role: 'distant-tracking', credential: 'cookie' },
  { mode: 'token', variant: 'cache on, one token', role: 'distant', credential: 'bearer' }
]

/**
 * Open loop at a rate every instance keeps up with even 5 ms from Redis: each request's own latency shows,
 * in microseconds, not a queue's and not a closed loop's whole milliseconds. Connections enough that none
 * is waited for (500 req/s × ~6 ms is 3 in flight).
 */
export const STORE_DISTANCE_RATE = 500
const CONNECTIONS = 50

/**
 * The profile instances that reach Redis through the latency proxy, at each added round trip: the
 * session mode pays it on every request, the stateless token mode never does. ioredis auto-pipelining
 * keeps one batch in flight, so a GET may wait for the batch before it: the unbatched instance shows
 * what that costs as the store moves away.
 */
export async function storeDistance (harness: Harness): Promise<RunRecord[]> {
  const proxy = harness.stack.proxy
  if (proxy === undefined) throw new Error('store distance needs the latency proxy')
  // Warm up at full speed first: at a fixed rate the first runs would measure the JIT.
  await harness.warmUpAll(DISTANT)
  const runs: RunRecord[] = []
  for (const addedRttMs of ADDED_RTTS_MS) {
    proxy.addedRttMs = addedRttMs
    for (const spec of DISTANT) {
      runs.push(await harness.run(spec, {
        scenario: 'store-distance',
        rate: STORE_DISTANCE_RATE,
        connections: CONNECTIONS,
        variantSuffix: `+${addedRttMs} ms store RTT, ${STORE_DISTANCE_RATE} req/s offered`,
        extra: { addedRttMs }
      }))
    }
  }
  proxy.addedRttMs = 0
  return runs
}
