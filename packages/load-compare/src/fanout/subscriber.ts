// One cheap "profile instance" for the fan-out measurement: a TrackingSessionCache that has read every
// session (so Redis tracks them all for it), counting the invalidations it receives. Prints `ready`,
// then answers each `count` line on stdin with the number of invalidated keys so far.
import { createInterface } from 'node:readline'
import { Redis } from 'ioredis'
import { TrackingSessionCache, type TrackingMode } from '@authpair/session-store'

const { REDIS_URL = 'redis://127.0.0.1:6379', REDIS_KEY_PREFIX = '', TRACKING = 'default', SESSIONS = '0' } = process.env
const redis = new Redis(REDIS_URL, { keyPrefix: REDIS_KEY_PREFIX, lazyConnect: true, connectionName: 'fanout' })
await redis.connect()
const cache = await TrackingSessionCache.start(redis, { idleTtlMs: 3_600_000, absoluteTtlMs: 3_600_000 }, {
  maxEntries: Number(SESSIONS), whenStoreDown: 'fail-closed', mode: TRACKING as TrackingMode, onError: () => {}
})
for (let i = 0; i < Number(SESSIONS); i += 500) {
  await Promise.all(Array.from({ length: Math.min(500, Number(SESSIONS) - i) }, async (_, j) => await cache.read(`s${i + j}`)))
}
process.stdout.write('ready\n')
const lines = createInterface({ input: process.stdin })
lines.on('line', () => { process.stdout.write(`${cache.stats.invalidations}\n`) })
lines.on('close', () => {
  cache.close().finally(() => { redis.disconnect() })
})
