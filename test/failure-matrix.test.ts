// One test per row of docs/operations.md's failure table that the other end-to-end files do not already prove.
import { randomUUID } from 'node:crypto'
import t from 'tap'
import { generatePrivateJwk } from '@authpair/keys'
import { buildApp as buildProfile } from '@authpair/profile/app'
import { loadProfileConfig } from '@authpair/profile/config'
import { LatencyProxy, OwnRedis } from '@authpair/testing'
import { me, post, privateJwk, redisUp, registerUser, session, signedToken, startSystem, tokens, waitFor } from './helpers.js'

const BOUND_MS = 300
const timed = async <T>(work: () => Promise<T>): Promise<[T, number]> => {
  const started = performance.now()
  const result = await work()
  return [result, performance.now() - started]
}

async function systemOn (t: Parameters<typeof startSystem>[0], redisUrl: string, env: Record<string, string> = {}) {
  const system = await startSystem(t, { REDIS_URL: redisUrl, REDIS_COMMAND_TIMEOUT_MS: String(BOUND_MS), ...env })
  const email = await registerUser(system)
  const pair = await tokens(system, email)
  return { system, email, pair, bearer: { authorization: `Bearer ${pair.access_token}` }, cookie: { cookie: (await session(system, email)).cookie } }
}

t.test('Redis paused (SIGSTOP): sessions 503 within the bound, tokens 200, back by itself on SIGCONT', async (t) => {
  const redis = await OwnRedis.start()
  t.teardown(() => redis.stop())
  const { system, bearer, cookie } = await systemOn(t, redis.url)
  redis.pause()
  const [bySession, ms] = await timed(async () => await me(system, cookie))
  t.equal(bySession.status, 503)
  t.ok(ms < BOUND_MS + 400, `answered in ${ms.toFixed(0)} ms, no hang`)
  t.equal((await me(system, bearer)).status, 200, 'a token needs no store')
  const readiness = await fetch(`${system.profile}/readyz`)
  t.equal(readiness.status, 200, 'the profile stays ready: its token requests still work')
  t.match(await readiness.json(), { status: 'ready', dependencies: { redis: 'down', keys: 'up' } }, 'and says Redis is down')
  redis.resume()
  t.ok(await waitFor(async () => (await me(system, cookie)).status === 200), 'sessions work again without a restart')
})

t.test('Redis slow: sessions pay the delay up to the bound, then 503; tokens never wait', async (t) => {
  const redis = await OwnRedis.start()
  t.teardown(() => redis.stop())
  const proxy = new LatencyProxy({ host: '127.0.0.1', port: redis.port })
  t.teardown(() => proxy.close())
  const { system, bearer, cookie } = await systemOn(t, await proxy.listen())
  proxy.addedRttMs = 100
  const [slow, slowMs] = await timed(async () => await me(system, cookie))
  t.equal(slow.status, 200)
  t.ok(slowMs >= 100, `a session request waits for the store: ${slowMs.toFixed(0)} ms`)
  const [fast, fastMs] = await timed(async () => await me(system, bearer))
  t.equal(fast.status, 200)
  t.ok(fastMs < 100, `a token request does not: ${fastMs.toFixed(0)} ms`)
  proxy.addedRttMs = 1000
  const [tooSlow, tooSlowMs] = await timed(async () => await me(system, cookie))
  t.equal(tooSlow.status, 503)
  t.ok(tooSlowMs < BOUND_MS + 400, `slower than the bound: 503 in ${tooSlowMs.toFixed(0)} ms`)
  proxy.addedRttMs = 0
  t.ok(await waitFor(async () => (await me(system, cookie)).status === 200), 'fast again: sessions work again')
})

t.test('Redis restarts with persistence: sessions and refresh families survive', async (t) => {
  const redis = await OwnRedis.start({ persistent: true })
  t.teardown(() => redis.stop())
  const { system, pair, cookie } = await systemOn(t, redis.url)
  await new Promise((resolve) => setTimeout(resolve, 1200)) // appendfsync everysec
  await redis.restart()
  t.ok(await waitFor(async () => await redisUp(system.profile) && await redisUp(system.auth)), 'both services reconnect by themselves')
  t.equal((await me(system, cookie)).status, 200, 'the session is still there')
  t.equal((await post(`${system.auth}/v1/tokens/refresh`, { refresh_token: pair.refresh_token })).status, 201, 'the refresh family too')
})

t.test('auth service down: the profile keeps serving both paths with the keys it has', async (t) => {
  const { system, bearer, cookie } = await systemOn(t, process.env.REDIS_URL ?? 'redis://127.0.0.1:6379')
  await system.authApp.close()
  t.equal((await me(system, bearer)).status, 200)
  t.equal((await me(system, cookie)).status, 200)
})

t.test('profile readiness: ready while it can serve some credential, 503 only when it can serve none', async (t) => {
  const redis = await OwnRedis.start()
  t.teardown(() => redis.stop())
  // No auth service answers (port 9 is discard): no keys, so sessions are all this profile can serve.
  const profileApp = await buildProfile(loadProfileConfig({
    REDIS_URL: redis.url, REDIS_COMMAND_TIMEOUT_MS: '300', LOG_LEVEL: 'silent', AUTH_URL: 'http://127.0.0.1:9'
  }))
  const profile = await profileApp.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(async () => { await profileApp.close() })
  const ready = await fetch(`${profile}/readyz`)
  t.equal(ready.status, 200, 'Redis up, no keys: ready for sessions')
  t.same(await ready.json(), { status: 'ready', dependencies: { redis: 'up', keys: 'down' } })
  await redis.kill()
  const none = await fetch(`${profile}/readyz`)
  t.equal(none.status, 503, 'neither keys nor Redis: nothing can be served')
  t.same(await none.json(), { status: 'not ready', dependencies: { redis: 'down', keys: 'down' } })
  const metrics = await (await fetch(`${profile}/metrics`)).text()
  t.match(metrics, /authpair_dependency_up\{dependency="redis",service="profile"\} 0/, 'the state is in the metrics too')
})

t.test('denylist with Redis down: fail-closed by default (tested with the outage), fail-open when configured', async (t) => {
  const redis = await OwnRedis.start()
  t.teardown(() => redis.stop())
  const { system, bearer } = await systemOn(t, redis.url, { TOKEN_REVOCATION: 'denylist', DENYLIST_WHEN_STORE_DOWN: 'fail-open' })
  await redis.kill()
  t.equal((await me(system, bearer)).status, 200, 'the token is accepted unchecked')
})

t.test('a key rotated under load: zero failed requests', async (t) => {
  // Published now, signs 6 s from now: time for the system to boot on a busy machine (2 s was not, in one
  // full run: the first token was already signed by the new key). The load runs from 1 s before the switch
  // to 1.5 s past it, no longer: the files beside this one have timing bounds of their own.
  const activatesAt = Math.floor(Date.now() / 1000) + 6
  const next = generatePrivateJwk(activatesAt)
  const system = await startSystem(t, { JWT_PRIVATE_KEYS: JSON.stringify({ keys: [privateJwk, next] }) })
  let pair = await tokens(system, await registerUser(system))
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, activatesAt * 1000 - 1000 - Date.now())))
  const kids = new Set<string>()
  const statuses = new Map<number, number>()
  const deadline = activatesAt * 1000 + 1500
  await Promise.all([
    (async () => {
      while (Date.now() < deadline) {
        pair = await (await post(`${system.auth}/v1/tokens/refresh`, { refresh_token: pair.refresh_token })).json() as typeof pair
        kids.add(JSON.parse(Buffer.from(pair.access_token.split('.')[0] as string, 'base64url').toString()).kid as string)
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    })(),
    ...Array.from({ length: 8 }, async () => {
      while (Date.now() < deadline) {
        const status = (await me(system, { authorization: `Bearer ${pair.access_token}` })).status
        statuses.set(status, (statuses.get(status) ?? 0) + 1)
      }
    })
  ])
  t.same([...kids].sort(), [privateJwk.kid, next.kid].sort(), 'tokens were signed by the old key, then by the new one')
  t.same([...statuses.keys()], [200], `every request answered 200: ${[...statuses].map(([s, n]) => `${s}×${n}`).join(' ')}`)
})

t.test('clocks that differ by less than the leeway are tolerated; more is refused', async (t) => {
  const system = await startSystem(t, { JWT_CLOCK_LEEWAY: '5' })
  const now = Math.floor(Date.now() / 1000)
  const claims = (times: Record<string, number>) => ({ sub: randomUUID(), email: 'c@example.com', name: 'C', jti: randomUUID(), fid: 'f', iss: 'http://127.0.0.1:3001', aud: 'authpair', iat: now, exp: now + 60, ...times })
  const status = async (times: Record<string, number>) => (await me(system, { authorization: `Bearer ${signedToken(claims(times))}` })).status
  t.equal(await status({ iat: now + 3, nbf: now + 3 }), 200, 'issued 3 s "in the future" by a fast auth clock')
  t.equal(await status({ nbf: now + 30 }), 401, 'not valid for another 30 s')
  t.equal(await status({ exp: now - 3 }), 200, 'expired 3 s ago by this clock')
  t.equal(await status({ exp: now - 30 }), 401, 'expired 30 s ago')
})
