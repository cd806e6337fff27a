import t from 'tap'
import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import { SHARED_REDIS_URL, uniquePrefix } from '@authpair/testing'
import { SessionStore, fastifySessionStore } from '../src/index.js'
import { sessionKey } from '../src/record.js'
import { indexKey } from '../src/user-index.js'
import { sessionRecord as newRecord } from './fixtures.js'

const redis = new Redis(SHARED_REDIS_URL, { keyPrefix: uniquePrefix('store') })
t.teardown(() => redis.quit())

const IDLE = 60_000
const ABSOLUTE = 600_000
const store = new SessionStore(redis, { idleTtlMs: IDLE, absoluteTtlMs: ABSOLUTE })

t.test('a saved session reads back, with its Redis TTL at the idle deadline', async (t) => {
  const now = Date.now()
  const record = newRecord(randomUUID(), now)
  await store.save('sid-1', record, now)
  t.same(await store.read('sid-1', now), record)
  const ttl = await redis.pttl(sessionKey('sid-1'))
  t.ok(ttl > IDLE - 2000 && ttl <= IDLE, `ttl ${ttl}`)
  t.equal(await store.read('unknown'), null)
})

t.test('idle expiry slides with activity; absolute expiry does not', async (t) => {
  const start = Date.now()
  const record = newRecord(randomUUID(), start)
  await store.save('sid-2', record, start)
  t.equal(await store.read('sid-2', start + IDLE + 1), null, 'unused past the idle timeout: gone')

  // Touched every 50 s, it survives idle checks...
  let now = start
  let current = record
  while (now + 50_000 < start + ABSOLUTE) {
    now += 50_000
    const seen = await store.read('sid-2', now)
    t.ok(seen, `alive at +${(now - start) / 1000}s`)
    if (seen === null) return
    current = { ...seen, lastSeenAt: now }
    await store.save('sid-2', current, now)
  }
  // ...but not past the absolute deadline, however busy.
  t.equal(await store.read('sid-2', start + ABSOLUTE), null, 'gone at the absolute deadline')
})

t.test('a write after a logout cannot bring the session back', async (t) => {
  const now = Date.now()
  const record = newRecord(randomUUID(), now)
  await store.save('sid-3', record, now)
  await store.destroy('sid-3')
  await store.touch('sid-3', record, now + 10_000)
  t.equal(await store.read('sid-3', now + 10_000), null)
  t.equal(await redis.exists(sessionKey('sid-3')), 0)
})

t.test('the per-user index lists, revokes one, and revokes all', async (t) => {
  const user = randomUUID()
  const other = randomUUID()
  const now = Date.now()
  const a = newRecord(user, now)
  const b = newRecord(user, now + 1)
  const c = newRecord(user, now + 2)
  await store.save('u-a', a, now)
  await store.save('u-b', b, now + 1)
  await store.save('u-c', c, now + 2)
  await store.save('o-a', newRecord(other, now), now)

  t.same((await store.list(user)).map((s) => s.sessionId), ['u-a', 'u-b', 'u-c'])
  const indexTtl = await redis.pttl(indexKey(user))
  t.ok(indexTtl > 0 && indexTtl <= ABSOLUTE, `the index expires with its longest session (${indexTtl} ms left)`)
  t.equal(await store.revoke(user, b.handle), true)
  t.equal(await store.revoke(other, a.handle), false, "another user's handle is not found")
  t.equal(await store.read('u-b'), null)
  t.same((await store.list(user)).map((s) => s.sessionId), ['u-a', 'u-c'])

  t.equal(await store.revokeAll(user), 2)
  t.same(await store.list(user), [])
  t.ok(await store.read('o-a'), "the other user's session is untouched")
  t.equal(await redis.exists(indexKey(user)), 0, 'nothing is left of the index')
})

t.test('expired sessions are pruned from the index when listed', async (t) => {
  const user = randomUUID()
  const now = Date.now()
  const record = newRecord(user, now)
  await store.save('p-a', record, now)
  await redis.del(sessionKey('p-a')) // as Redis does when the TTL runs out
  t.same(await store.list(user), [])
  t.equal(await redis.hexists(indexKey(user), `s:${record.handle}`), 0)
})

t.test('the @fastify/session adapter persists only logged-in sessions', async (t) => {
  const adapter = fastifySessionStore(store)
  const call = async (fn: (cb: (error?: unknown) => void) => void): Promise<void> =>
    await new Promise((resolve, reject) => fn((error) => error ? reject(error) : resolve()))
  await call((cb) => adapter.set('anon', { cookie: {} } as never, cb))
  t.equal(await redis.exists(sessionKey('anon')), 0, 'anonymous: nothing written')

  const record = newRecord(randomUUID(), Date.now())
  await call((cb) => adapter.set('auth', record, cb))
  const got = await new Promise((resolve) => adapter.get('auth', (_e, s) => resolve(s)))
  t.same(got, record)
  await call((cb) => adapter.destroy('auth', cb))
  t.equal(await redis.exists(sessionKey('auth')), 0)
})

t.test('a malformed value under a session key is treated as no session', async (t) => {
  await redis.set(sessionKey('junk'), '{"userId": 5}')
  t.equal(await store.read('junk'), null)
  await redis.set(sessionKey('junk'), 'not json')
  t.equal(await store.read('junk'), null)
})
