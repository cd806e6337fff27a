// TrackingSessionCache against a real Redis: what is cached, what evicts it, and the moments in which
// nothing may be trusted (a reply racing its own invalidation, a lost invalidation connection).
import t from 'tap'
import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { Redis } from 'ioredis'
import { FaultProxy, OwnRedis, SHARED_REDIS_URL, uniquePrefix } from '@authpair/testing'
import { SessionStore, TrackingSessionCache, type SessionRecord, type TrackingMode, type WhenStoreDown } from '../src/index.js'
import { sessionKey } from '../src/record.js'
import { sessionRecord } from './fixtures.js'

const LIFETIMES = { idleTtlMs: 60_000, absoluteTtlMs: 600_000 }

const newRecord = (now = Date.now()): SessionRecord => sessionRecord(randomUUID(), now)

async function until (check: () => boolean, timeoutMs = 3000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) return false
    await sleep(5)
  }
  return true
}

interface Setup { redis: Redis, store: SessionStore, cache: TrackingSessionCache }

interface SetupOptions {
  whenStoreDown?: WhenStoreDown
  maxEntries?: number
  keyPrefix?: string
  mode?: TrackingMode
  maxStaleMs?: number
  username?: string
}

async function setup (
  t: { teardown: (fn: () => unknown) => void }, url = SHARED_REDIS_URL, options: SetupOptions = {}
): Promise<Setup> {
  const redis = new Redis(url, {
    keyPrefix: options.keyPrefix ?? uniquePrefix('tracking'),
    connectionName: 'tracking-test',
    ...(options.username === undefined ? {} : { username: options.username, password: 'secret' }),
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => 50
  })
  await redis.connect()
  const cache = await TrackingSessionCache.start(redis, LIFETIMES, {
    maxEntries: options.maxEntries ?? 100,
    whenStoreDown: options.whenStoreDown ?? 'fail-closed',
    mode: options.mode ?? 'default',
    maxStaleMs: options.maxStaleMs,
    onError: () => {}
  })
  t.teardown(async () => {
    await cache.close()
    redis.disconnect()
  })
  return { redis, store: new SessionStore(redis, LIFETIMES), cache }
}

for (const mode of ['default', 'bcast'] as const) {
  t.test(`${mode}: a session read once is served from memory until Redis says it changed`, async (t) => {
    const { store, cache } = await setup(t, SHARED_REDIS_URL, { mode })
    const record = newRecord()
    await store.save('s1', record)
    t.same(await cache.read('s1'), record)
    t.same(await cache.read('s1'), record)
    t.same(await cache.read('s1'), record)
    t.equal(cache.stats.misses, 1, 'one GET')
    t.equal(cache.stats.hits, 2, 'then memory')

    await store.destroy('s1') // a logout, through another connection
    t.ok(await until(() => cache.stats.invalidations > 0), 'the invalidation arrives')
    t.equal(await cache.read('s1'), null, 'the logged-out session is refused')

    const touched = newRecord(Date.now() - 10_000)
    await store.save('s1b', touched)
    await cache.read('s1b')
    const now = Date.now()
    await store.touch('s1b', touched, now)
    t.ok(await until(() => cache.stats.invalidations > 1), 'a touch invalidates')
    t.equal((await cache.read('s1b'))?.lastSeenAt, now, 'the next read sees it')
  })
}

t.test('every change to the key evicts: a touch, an expiry, a write under another connection', async (t) => {
  const { redis, store, cache } = await setup(t)
  const record = newRecord(Date.now() - 10_000)
  await store.save('s2', record)
  await cache.read('s2')
  const now = Date.now()
  await store.touch('s2', record, now)
  t.ok(await until(() => cache.stats.invalidations === 1), 'the touch invalidates')
  t.equal((await cache.read('s2'))?.lastSeenAt, now, 'the next read sees the touch')

  // A key that Redis expires (its TTL) is announced when it goes.
  await redis.set(sessionKey('s2b'), JSON.stringify(newRecord()), 'PX', 300)
  t.ok(await cache.read('s2b'), 'cached')
  t.ok(await until(() => cache.stats.invalidations === 2), 'the key expiring in Redis invalidates')
  t.equal(await cache.read('s2b'), null)
})

t.test('idle and absolute expiry are enforced from the cached record itself', async (t) => {
  const { redis, store, cache } = await setup(t)
  const start = Date.now()
  await store.save('s3', newRecord(start))
  t.ok(await cache.read('s3', start), 'cached')
  const misses = cache.stats.misses
  t.equal(await cache.read('s3', start + LIFETIMES.idleTtlMs + 1), null, 'past the idle deadline: refused')
  t.equal(cache.stats.misses, misses, 'decided from memory, not from Redis')

  const old = { ...newRecord(start - LIFETIMES.absoluteTtlMs + 5000), lastSeenAt: start }
  await redis.set(sessionKey('s4'), JSON.stringify(old), 'PX', 10_000)
  t.ok(await cache.read('s4', start))
  t.equal(await cache.read('s4', start + 5000), null, 'the absolute deadline holds however fresh lastSeenAt is')
})

t.test('a read whose reply races the invalidation of its key is used once and never kept', async (t) => {
  const { redis, store, cache } = await setup(t)
  const record = newRecord()
  await store.save('s5', record)
  // Hold the reader's replies in the socket: Redis answers the GET (and starts tracking the key), the
  // session is deleted, and its invalidation reaches the subscriber before the GET's reply is read.
  cache.reader.stream.pause()
  const racing = cache.read('s5')
  await sleep(100)
  await redis.del(sessionKey('s5'))
  t.ok(await until(() => cache.stats.invalidations === 1), 'the invalidation came first')
  cache.reader.stream.resume()
  t.same(await racing, record, 'the racing request gets what Redis answered when it asked')
  t.equal(await cache.read('s5'), null, 'but the answer was not cached: the next request sees the delete')
  t.equal(cache.size, 0)
})

t.test('a request after an invalidation never shares a read that left before it', async (t) => {
  const { redis, store, cache } = await setup(t)
  await store.save('s6', newRecord())
  cache.reader.stream.pause()
  const first = cache.read('s6')
  await sleep(100)
  await redis.del(sessionKey('s6'))
  t.ok(await until(() => cache.stats.invalidations === 1))
  const second = cache.read('s6') // starts after the delete was announced
  cache.reader.stream.resume()
  t.ok(await first, 'the first request was in flight before the delete')
  t.equal(await second, null, 'the second asks Redis again')
})

t.test('losing the invalidation connection: nothing cached is trusted from that moment', async (t) => {
  const { redis, store, cache } = await setup(t)
  await store.save('s7', newRecord())
  await store.save('s8', newRecord())
  await cache.read('s7')
  await cache.read('s8')
  t.equal(cache.size, 2)
  // The subscriber is killed and the session deleted in one transaction: its invalidation is lost.
  const id = await cache.subscriber.client('ID').catch(() => undefined)
  t.equal(id, undefined, 'the subscriber only answers subscriber commands')
  const clients = String(await redis.client('LIST'))
  const subscriberId = /id=(\d+) .*name=tracking-test:invalidations/.exec(clients)?.[1]
  t.ok(subscriberId, 'the subscriber is named in CLIENT LIST')
  await redis.multi().client('KILL', 'ID', subscriberId as string).del(sessionKey('s7')).exec()
  t.ok(await until(() => cache.size === 0), 'the loss empties the cache')
  t.equal(await cache.read('s7'), null, 'the delete whose invalidation was lost is seen')
  t.ok(await until(() => cache.isTracking), 'tracking is re-established')
  t.ok(await cache.read('s8'), 'the other session reads again')
  const hits = cache.stats.hits
  await cache.read('s8')
  t.equal(cache.stats.hits, hits + 1, 'and is cached again')
  await store.destroy('s8')
  t.ok(await until(() => cache.size === 0), 'and invalidations arrive on the new connection')
  t.equal(await cache.read('s8'), null)
})

t.test('a subscriber that goes silent without closing is caught by the heartbeat', async (t) => {
  const { redis, store, cache } = await setup(t)
  await store.save('s10', newRecord())
  await cache.read('s10')
  cache.subscriber.stream.pause() // a partition: nothing arrives, nothing closes
  await redis.del(sessionKey('s10'))
  const paused = Date.now()
  t.ok(await until(() => cache.size === 0, 5000), 'nothing is trusted once a ping goes unanswered')
  t.ok(Date.now() - paused <= 2500, `within two heartbeats (${Date.now() - paused} ms)`)
  t.equal(await cache.read('s10'), null)
  t.ok(await until(() => cache.isTracking, 5000), 'a new subscriber takes over')
})

t.test('losing the reader connection (its tracking state goes with it) drops the cache too', async (t) => {
  const { redis, store, cache } = await setup(t)
  await store.save('s9', newRecord())
  await cache.read('s9')
  const clients = String(await redis.client('LIST'))
  const readerId = /id=(\d+) .*name=tracking-test:session-cache/.exec(clients)?.[1] as string
  await redis.multi().client('KILL', 'ID', readerId).del(sessionKey('s9')).exec()
  t.ok(await until(() => !cache.isTracking || cache.size === 0), 'the loss is noticed')
  t.equal(cache.size, 0, 'nothing kept')
  t.ok(await until(() => cache.isTracking), 'tracking comes back')
  t.equal(await cache.read('s9'), null)
})

t.test('memory is bounded by maxEntries, least recently used first', async (t) => {
  const { store, cache } = await setup(t, SHARED_REDIS_URL, { maxEntries: 2 })
  for (const id of ['a', 'b']) {
    await store.save(id, newRecord())
    await cache.read(id)
  }
  await cache.read('a') // a hit: 'a' is now the most recently used
  await store.save('c', newRecord())
  await cache.read('c')
  t.equal(cache.size, 2)
  const misses = cache.stats.misses
  await cache.read('a')
  t.equal(cache.stats.misses, misses, 'the session used a moment ago stayed')
  await cache.read('b')
  t.equal(cache.stats.misses, misses + 1, 'the least recently used was dropped')

  t.test('a dropped session stays tracked in Redis, and its invalidation is harmless', async (t) => {
    // 'b' was read back (dropping 'c'); drop it again by reading 'c', then change it in Redis.
    await cache.read('c')
    const invalidations = cache.stats.invalidations
    await store.destroy('a')
    t.ok(await until(() => cache.stats.invalidations > invalidations), 'Redis still announces the dropped key')
    t.equal(await cache.read('a'), null, 'which is read from Redis again')
    t.ok(cache.isTracking, 'and nothing else was disturbed')
    const hits = cache.stats.hits
    t.ok(await cache.read('c'))
    t.equal(cache.stats.hits, hits + 1, 'the other entries still serve from memory')
  })
})

t.test('a set-up that fails after a reconnection is retried until tracking is back', async (t) => {
  const own = await OwnRedis.start()
  t.teardown(async () => { await own.stop() })
  const admin = new Redis(own.url)
  t.teardown(() => { admin.disconnect() })
  await admin.acl('SETUSER', 'cache', 'on', '>secret', '~*', '&*', '+@all')
  const { store, cache } = await setup(t, own.url, { username: 'cache' })
  await admin.acl('SETUSER', 'cache', '-client|tracking')
  await admin.client('KILL', 'USER', 'cache') // every connection of the cache reconnects, and cannot track
  t.ok(await until(() => cache.stats.setupFailures >= 2, 5000), 'the failure is counted, and retried')
  t.notOk(cache.isTracking)
  await admin.acl('SETUSER', 'cache', '+client|tracking')
  t.ok(await until(() => cache.isTracking, 10_000), 'a retry succeeds once Redis allows it')
  await store.save('r1', newRecord())
  await cache.read('r1')
  await store.destroy('r1')
  t.ok(await until(() => cache.stats.invalidations > 0), 'and invalidations arrive again')
})

t.test('serve-cached answers from memory for at most maxStaleMs', async (t) => {
  const own = await OwnRedis.start()
  t.teardown(async () => { await own.stop() })
  const { store, cache } = await setup(t, own.url, { whenStoreDown: 'serve-cached', maxStaleMs: 1000 })
  await store.save('m1', newRecord())
  await cache.read('m1')
  await own.kill()
  const down = Date.now()
  t.ok(await cache.read('m1'), 'served from memory at first')
  await sleep(1200 - (Date.now() - down))
  await t.rejects(cache.read('m1'), 'refused (503) once the cache may be older than the ceiling')
})

t.test('Redis down: fail-closed refuses, serve-cached answers cached sessions and forgets them at reconnect', async (t) => {
  const own = await OwnRedis.start()
  t.teardown(async () => { await own.stop() })
  const keyPrefix = uniquePrefix('down')
  const closed = await setup(t, own.url, { whenStoreDown: 'fail-closed', keyPrefix })
  const open = await setup(t, own.url, { whenStoreDown: 'serve-cached', keyPrefix })
  const cachedRecord = newRecord()
  await closed.store.save('cached', cachedRecord)
  await closed.store.save('uncached', newRecord())
  await closed.cache.read('cached')
  await open.cache.read('cached')

  await own.kill()
  t.ok(await until(() => !closed.cache.isTracking && !open.cache.isTracking), 'both notice')
  await t.rejects(closed.cache.read('cached'), 'fail-closed: the store error, answered 503 by the service')
  t.same(await open.cache.read('cached'), cachedRecord, 'serve-cached: the cached session still works')
  await t.rejects(open.cache.read('uncached'), 'but nothing that was not cached')
  t.equal(open.cache.stats.servedWhileDown, 1)
  t.equal(await open.cache.read('cached', Date.now() + LIFETIMES.idleTtlMs + 1), null, 'expiry still holds')

  await own.restart() // without persistence: every session is gone
  t.ok(await until(() => open.cache.isTracking, 10_000), 'tracking is back')
  t.equal(open.cache.size, 0, 'flushed at reconnect')
  t.equal(await open.cache.read('cached'), null, 'Redis decides again')
})

t.test('serve-cached: the ceiling holds when only the reader is down and the subscriber is healthy', async (t) => {
  const proxy = new FaultProxy({ host: '127.0.0.1', port: Number(new URL(SHARED_REDIS_URL).port || 6379) })
  const url = await proxy.listen()
  t.teardown(async () => { await proxy.close() })
  const keyPrefix = uniquePrefix('reader-down')
  const { store, cache } = await setup(t, url, { whenStoreDown: 'serve-cached', maxStaleMs: 1000, keyPrefix })
  await store.save('r-down', newRecord())
  await cache.read('r-down')
  proxy.refuseNew(true)
  t.equal(proxy.apply({ kind: 'reset' }, /:session-cache$/), 1, 'the reader is cut, and cannot come back')
  const down = Date.now()
  t.ok(await cache.read('r-down'), 'served from memory at first')
  await sleep(1300 - (Date.now() - down))
  await t.rejects(cache.read('r-down'), 'refused once past the ceiling, though the subscriber still answers')
  proxy.refuseNew(false)
})

t.test('FLUSHALL invalidates everything at once', async (t) => {
  const own = await OwnRedis.start()
  t.teardown(async () => { await own.stop() })
  const { redis, store, cache } = await setup(t, own.url)
  await store.save('f1', newRecord())
  await cache.read('f1')
  await redis.flushall()
  t.ok(await until(() => cache.size === 0), 'dropped')
  t.equal(await cache.read('f1'), null)
})
