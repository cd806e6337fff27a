// SESSION_CACHE=tracking across a Sentinel failover (its own file: a failover takes ~10 s to settle).
import t from 'tap'
import { OwnSentinelGroup } from '@authpair/testing'
import { cacheStats, me, refusalLag, registerUser, session, startSystem, waitFor } from './helpers.js'

t.test('Sentinel failover: the cache is flushed, tracks the new master, and logouts still reach it', async (t) => {
  const group = await OwnSentinelGroup.start()
  t.teardown(async () => { await group.stop() })
  const system = await startSystem(t, { SESSION_CACHE: 'tracking', REDIS_SENTINELS: group.sentinelList, REDIS_SENTINEL_NAME: group.name })
  const email = await registerUser(system)
  const before = await session(system, email)
  const survivor = await session(system, email)
  for (const { cookie } of [before, survivor]) t.equal((await me(system, { cookie })).status, 200)
  // Replicated before the failover, so the sessions survive it.
  await new Promise((resolve) => setTimeout(resolve, 200))
  const flushes = (await cacheStats(system)).flushes ?? 0

  await group.failover()
  // The old master is demoted (and its clients disconnected) when the Sentinels next reconfigure it.
  t.ok(await waitFor(async () => ((await cacheStats(system)).flushes ?? 0) > flushes, 20_000),
    'what was cached from the old master is dropped when it is demoted')
  t.ok(await waitFor(async () => (await me(system, { cookie: survivor.cookie })).status === 200 &&
    (await cacheStats(system)).tracking === 1, 15_000), 'serving again after the failover')

  // The 200 above may have been read just before tracking came back, and so not kept: read once more
  // with tracking on (kept now), then the next read must come from memory.
  await me(system, { cookie: survivor.cookie })
  const hits = (await cacheStats(system)).hits as number
  await me(system, { cookie: survivor.cookie })
  t.ok(((await cacheStats(system)).hits ?? 0) > hits, 'and caching resumed on the new master')
  const lag = await refusalLag(system, survivor.cookie, async () => await fetch(`${system.auth}/v1/sessions/current`, {
    method: 'DELETE', headers: { cookie: survivor.cookie }
  }))
  t.ok(lag >= 0 && lag < 1000, `a logout on the new master reaches the cache (${lag.toFixed(1)} ms)`)
})
