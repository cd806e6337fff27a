import t from 'tap'
import { OwnRedis } from '@authpair/testing'
import { buildTestApp, PASSWORD } from './helpers.js'

// Redis refusing writes, for real: full (maxmemory 1, noeviction: OOM) and a read-only replica (READONLY, as
// during a Sentinel failover). Every route answers the contract's 503, and no log line carries what the
// failed command carried: session ids, session records with their CSRF token, password hashes.

const post = async (base: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
  await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })

function secretsIn (logs: string[]): string[] {
  const text = logs.join('\n')
  return [/scrypt\$N=/, /"csrfToken":"[\w-]{20,}/, /sess:[\w-]{20,}/, /"args":/].filter((pattern) => pattern.test(text)).map(String)
}

t.test('Redis out of memory: every write route answers 503 store_unavailable, and nothing secret is logged', async (t) => {
  const redis = await OwnRedis.start()
  t.teardown(() => redis.stop())
  // Idle TTL 10 s: activity is written back at most every second, so a later request saves the session.
  const app = await buildTestApp(t, { REDIS_URL: redis.url, SESSION_IDLE_TTL: '10' })
  const base = await app.listen({ port: 0, host: '127.0.0.1' })
  const email = `oom.${Date.now()}@example.com`
  t.equal((await post(base, '/v1/users', { email, password: PASSWORD, name: 'Full' })).status, 201)
  const login = await post(base, '/v1/sessions', { email, password: PASSWORD })
  const cookie = login.headers.getSetCookie().find((line) => line.startsWith('sid='))?.split(';')[0] ?? ''
  await new Promise((resolve) => setTimeout(resolve, 1100))

  // Through the service's own connection: CONFIG needs no memory, and no second client library.
  await app.redis.call('CONFIG', 'SET', 'maxmemory-policy', 'noeviction')
  await app.redis.call('CONFIG', 'SET', 'maxmemory', '1')

  const answers = {
    // Reading the session works; saving its activity (inside @fastify/session, as the answer goes out) fails.
    'a session request whose activity is saved': await fetch(`${base}/v1/sessions`, { headers: { cookie } }),
    'session login': await post(base, '/v1/sessions', { email, password: PASSWORD }),
    registration: await post(base, '/v1/users', { email: `oom2.${Date.now()}@example.com`, password: PASSWORD, name: 'Full' }),
    'token login': await post(base, '/v1/tokens', { email, password: PASSWORD })
  }
  for (const [name, answer] of Object.entries(answers)) {
    const text = await answer.text()
    t.equal(answer.status, 503, `${name}: 503`)
    t.match(JSON.parse(text), { error: 'store_unavailable' }, `${name}: the contract's body`)
    t.notMatch(text, /OOM|maxmemory/, `${name}: no Redis text in the answer`)
  }
  t.match(app.logs.join('\n'), /OOM command not allowed/, 'the failure is logged')
  t.same(secretsIn(app.logs), [], 'and no command argument is')
})

t.test('a read-only replica (a failover in progress): 503, and nothing secret is logged', async (t) => {
  const primary = await OwnRedis.start()
  t.teardown(() => primary.stop())
  const replica = await OwnRedis.start({ extraArgs: ['--replicaof', '127.0.0.1', String(primary.port)] })
  t.teardown(() => replica.stop())
  const app = await buildTestApp(t, { REDIS_URL: replica.url })
  const base = await app.listen({ port: 0, host: '127.0.0.1' })

  const registration = await post(base, '/v1/users', { email: `ro.${Date.now()}@example.com`, password: PASSWORD, name: 'Replica' })
  t.equal(registration.status, 503)
  t.match(await registration.json(), { error: 'store_unavailable' })
  const login = await post(base, '/v1/tokens', { email: 'nobody@example.com', password: PASSWORD })
  t.equal(login.status, 503, 'a login (it counts the attempt) too')
  t.match(app.logs.join('\n'), /READONLY/, 'the failure is logged')
  t.same(secretsIn(app.logs), [], 'and no command argument is')
})
