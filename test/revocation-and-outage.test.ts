import t from 'tap'
import { OwnRedis } from '@authpair/testing'
import { me, post, redisUp, registerUser, session, startSystem, tokens, waitFor } from './helpers.js'

async function revokedTokenStatus (mode: string, t: Parameters<typeof startSystem>[0]) {
  const system = await startSystem(t, { TOKEN_REVOCATION: mode })
  const email = await registerUser(system)
  const pair = await tokens(system, email)
  const bearer = { authorization: `Bearer ${pair.access_token}` }
  const before = (await me(system, bearer)).status
  const revoked = await post(`${system.auth}/v1/tokens/revoke`, { refresh_token: pair.refresh_token }, bearer)
  if (revoked.status !== 204) throw new Error('revoke failed')
  let after = (await me(system, bearer)).status
  // push delivers over pub/sub: allow it a little time.
  if (mode === 'push') await waitFor(async () => (after = (await me(system, bearer)).status) !== 200, 500)
  return { before, after, system, email, bearer }
}

t.test('off: a revoked access token keeps working until it expires (the stateless trade-off)', async (t) => {
  const { before, after } = await revokedTokenStatus('off', t)
  t.equal(before, 200)
  t.equal(after, 200)
})

t.test('denylist: a revoked access token is refused on the next request', async (t) => {
  const { before, after } = await revokedTokenStatus('denylist', t)
  t.equal(before, 200)
  t.equal(after, 401)
})

/** Commands the shared Redis has run, by name (INFO commandstats): every client's, so only a lower bound matters. */
async function commandCounts (system: Awaited<ReturnType<typeof startSystem>>): Promise<Map<string, number>> {
  const info = await system.profileApp.redis.info('commandstats')
  return new Map([...info.matchAll(/^cmdstat_(\S+):calls=(\d+)/gm)].map(([, name, calls]) => [name as string, Number(calls)]))
}

t.test('push: a revoked access token is refused within milliseconds, with no Redis work per request', async (t) => {
  const { before, after, system, email, bearer } = await revokedTokenStatus('push', t)
  t.equal(before, 200)
  t.equal(after, 401)

  t.test('a token request reads nothing from Redis', async (t) => {
    // Reads a denylist check would make; other suites share this Redis, so compare against the request count.
    const reads = (counts: Map<string, number>) => ['get', 'mget', 'exists'].reduce((sum, name) => sum + (counts.get(name) ?? 0), 0)
    const accepted = { authorization: `Bearer ${(await tokens(system, email)).access_token}` }
    const requests = 500
    const start = await commandCounts(system)
    for (let i = 0; i < requests; i++) await me(system, i % 2 === 0 ? accepted : bearer)
    const end = await commandCounts(system)
    t.ok(reads(end) - reads(start) < requests / 2, `${reads(end) - reads(start)} reads for ${requests} token requests`)
  })

  t.test('log out everywhere denies every token issued before it', async (t) => {
    const pair = await tokens(system, email)
    const { cookie, csrfToken } = await session(system, email)
    t.equal((await me(system, { authorization: `Bearer ${pair.access_token}` })).status, 200)
    await new Promise((resolve) => setTimeout(resolve, 1000)) // iat has one-second resolution
    await fetch(`${system.auth}/v1/sessions`, { method: 'DELETE', headers: { cookie, 'x-csrf-token': csrfToken } })
    await new Promise((resolve) => setTimeout(resolve, 100))
    t.equal((await me(system, { authorization: `Bearer ${pair.access_token}` })).status, 401)
    t.equal((await me(system, { cookie })).status, 401)
  })
})

t.test('push: revocations published while the profile was disconnected are loaded at reconnect', async (t) => {
  const redis = await OwnRedis.start()
  t.teardown(() => redis.stop())
  const system = await startSystem(t, { TOKEN_REVOCATION: 'push', REDIS_URL: redis.url })
  const email = await registerUser(system)
  const pair = await tokens(system, email)
  const bearer = { authorization: `Bearer ${pair.access_token}` }
  t.equal((await me(system, bearer)).status, 200)

  // Cut only the profile's subscriber connection, and revoke while it is gone.
  const admin = system.profileApp.redis
  const clients = String(await admin.client('LIST')).split('\n').filter((line) => line.includes('cmd=subscribe') || line.includes('sub=1'))
  t.ok(clients.length > 0, 'the subscriber connection was found')
  for (const line of clients) {
    const id = /id=(\d+)/.exec(line)?.[1]
    if (id !== undefined) await admin.client('KILL', 'ID', id)
  }
  await post(`${system.auth}/v1/tokens/revoke`, { refresh_token: pair.refresh_token }, bearer)
  t.ok(await waitFor(async () => (await me(system, bearer)).status === 401, 2000),
    'refused once the subscriber reconnected and reloaded the log')
})

t.test('Redis down: sessions and denylist answer 503 fast; tokens in off and push mode keep working', async (t) => {
  const redis = await OwnRedis.start()
  t.teardown(() => redis.stop())
  const modes = ['off', 'push', 'denylist']
  const systems = []
  for (const mode of modes) systems.push(await startSystem(t, { TOKEN_REVOCATION: mode, REDIS_URL: redis.url, REDIS_COMMAND_TIMEOUT_MS: '300' }))
  const credentials = []
  for (const system of systems) {
    const email = await registerUser(system)
    credentials.push({ bearer: { authorization: `Bearer ${(await tokens(system, email)).access_token}` }, cookie: { cookie: (await session(system, email)).cookie } })
  }

  await redis.kill()
  for (const [i, mode] of modes.entries()) {
    const system = systems[i]!
    const { bearer, cookie } = credentials[i]!
    const started = performance.now()
    const bySession = await me(system, cookie)
    const ms = performance.now() - started
    t.equal(bySession.status, 503, `${mode}: session 503`)
    t.equal((await bySession.json() as { error: string }).error, 'store_unavailable')
    t.ok(ms < 500, `${mode}: answered in ${ms.toFixed(0)} ms`)
    t.equal((await me(system, bearer)).status, mode === 'denylist' ? 503 : 200, `${mode}: token request`)
    const readiness = await fetch(`${system.profile}/readyz`)
    t.equal(readiness.status, 200, `${mode}: still ready (tokens can be served), not pulled from the load balancer`)
    t.match(await readiness.json(), { dependencies: { redis: 'down', keys: 'up' } }, `${mode}: Redis reported down`)
  }

  await redis.restart()
  const system = systems[0]!
  t.ok(await waitFor(async () => await redisUp(system.profile)), 'recovers by itself when Redis returns')
})
