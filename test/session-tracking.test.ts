// SESSION_CACHE=tracking over real HTTP and a real Redis: sessions served from the profile's memory, and
// every way a session can end still reaching it (through Redis's invalidations), including across a lost
// connection, an outage (both SESSION_CACHE_WHEN_STORE_DOWN settings) and a Sentinel failover.
import t from 'tap'
import { loadProfileConfig } from '@authpair/profile/config'
import { OwnRedis } from '@authpair/testing'
import { anotherProfile, cacheStats, me, refusalLag, registerUser, session, startSystem, tokens, waitFor } from './helpers.js'

const TRACKING = { SESSION_CACHE: 'tracking' }

t.test('sessions are served from memory, and every way of ending one reaches it', async (t) => {
  const system = await startSystem(t, TRACKING)
  const email = await registerUser(system)
  const one = await session(system, email)
  for (let i = 0; i < 5; i++) t.equal((await me(system, { cookie: one.cookie })).status, 200)
  const stats = await cacheStats(system)
  t.equal(stats.misses, 1, 'one read from Redis')
  t.equal(stats.hits, 4, 'then memory')
  t.equal(stats.entries, 1)
  t.equal(stats.tracking, 1)

  const logout = await refusalLag(system, one.cookie, async () => await fetch(`${system.auth}/v1/sessions/current`, {
    method: 'DELETE', headers: { cookie: one.cookie }
  }))
  t.ok(logout >= 0 && logout < 1000, `a logout is refused ${logout.toFixed(1)} ms after it answered`)

  // Revoking one session from another device.
  const phone = await session(system, email)
  const laptop = await session(system, email)
  await me(system, { cookie: phone.cookie })
  const listed = await (await fetch(`${system.auth}/v1/sessions`, { headers: { cookie: laptop.cookie } })).json() as {
    sessions: Array<{ id: string, current: boolean }>
  }
  const phoneHandle = listed.sessions.find((s) => !s.current)?.id as string
  const revoke = await refusalLag(system, phone.cookie, async () => await fetch(`${system.auth}/v1/sessions/${phoneHandle}`, {
    method: 'DELETE', headers: { cookie: laptop.cookie, 'x-csrf-token': laptop.csrfToken }
  }))
  t.ok(revoke >= 0 && revoke < 1000, `a revoked session is refused ${revoke.toFixed(1)} ms after the revoke answered`)
  t.equal((await me(system, { cookie: laptop.cookie })).status, 200, 'the revoking device stays in')

  // Log out everywhere, seen from a session cached before it.
  const tablet = await session(system, email)
  await me(system, { cookie: tablet.cookie })
  const everywhere = await refusalLag(system, tablet.cookie, async () => await fetch(`${system.auth}/v1/sessions`, {
    method: 'DELETE', headers: { cookie: laptop.cookie, 'x-csrf-token': laptop.csrfToken }
  }))
  t.ok(everywhere >= 0 && everywhere < 1000, `log out everywhere reaches a cached session in ${everywhere.toFixed(1)} ms`)
  t.ok(((await cacheStats(system)).invalidations ?? 0) >= 3, 'each through an invalidation')
})

t.test('the cache keeps idle expiry and writes touches back at most once per interval', async (t) => {
  const own = await OwnRedis.start()
  t.teardown(async () => { await own.stop() })
  // Idle 10 s: touches are due every second.
  const system = await startSystem(t, { ...TRACKING, REDIS_URL: own.url, SESSION_IDLE_TTL: '10' })
  const email = await registerUser(system)
  const { cookie } = await session(system, email)
  const redis = system.profileApp.redis
  const sets = async () => Number(/cmdstat_set:calls=(\d+)/.exec(await redis.info('commandstats'))?.[1] ?? 0)

  const before = await sets()
  const started = Date.now()
  const workers = Array.from({ length: 10 }, async () => {
    while (Date.now() - started < 3500) {
      if ((await me(system, { cookie })).status !== 200) throw new Error('refused while in use')
    }
  })
  await Promise.all(workers)
  const touches = await sets() - before
  t.ok(touches >= 2 && touches <= 4, `${touches} touches in 3.5 s of requests from 10 clients (one due per second)`)
  const key = (await redis.keys(`${system.keyPrefix}sess:*`))[0] as string
  const ttl = await redis.pttl(key.slice(system.keyPrefix.length))
  t.ok(ttl > 8000, `the idle deadline slid forward in Redis (TTL ${ttl} ms)`)
})

t.test('Redis down: fail-closed answers 503, serve-cached serves cached sessions, both forget them at reconnect', async (t) => {
  const own = await OwnRedis.start()
  t.teardown(async () => { await own.stop() })
  const closed = await startSystem(t, { ...TRACKING, REDIS_URL: own.url, REDIS_COMMAND_TIMEOUT_MS: '200' })
  const open = await anotherProfile(t, closed, { SESSION_CACHE_WHEN_STORE_DOWN: 'serve-cached' })
  const email = await registerUser(closed)
  const cached = await session(closed, email)
  const uncached = await session(open, email)
  const { access_token: token } = await tokens(closed, email)
  for (const system of [closed, open]) t.equal((await me(system, { cookie: cached.cookie })).status, 200)

  await own.kill()
  await waitFor(async () => (await cacheStats(open)).tracking === 0)
  t.equal((await me(closed, { cookie: cached.cookie })).status, 503, 'fail-closed: 503, as without the cache')
  t.equal((await me(open, { cookie: cached.cookie })).status, 200, 'serve-cached: the cached session still works')
  t.equal((await me(open, { cookie: uncached.cookie })).status, 503, 'a session it never read: 503')
  t.equal((await me(open, { authorization: `Bearer ${token}` })).status, 200, 'tokens are unaffected')
  t.equal((await cacheStats(open)).served_while_down, 1)

  await own.restart() // no persistence: every session is gone
  t.ok(await waitFor(async () => (await cacheStats(open)).tracking === 1, 10_000), 'tracking is back')
  t.equal((await me(open, { cookie: cached.cookie })).status, 401, 'flushed at reconnect: Redis decides again')
  t.equal((await me(closed, { cookie: cached.cookie })).status, 401)
})

t.test('Redis Cluster: tracking is refused at boot with a clear error', async (t) => {
  t.throws(() => loadProfileConfig({ SESSION_CACHE: 'tracking', REDIS_CLUSTER_NODES: '127.0.0.1:7000' }), {
    name: 'ConfigError', message: /SESSION_CACHE=tracking is not supported with REDIS_CLUSTER_NODES/
  })
  t.doesNotThrow(() => loadProfileConfig({ SESSION_CACHE: 'off', REDIS_CLUSTER_NODES: '127.0.0.1:7000' }))
})
