// Redis at maxmemory (noeviction): every write is refused with OOM, reads still work. Every route answers a
// definite contract answer (never 500): writes 503 store_unavailable, reads as usual; and neither service
// logs a user's data or a secret, however deep ioredis tucked the failed commands' arguments.
import t from 'tap'
import { Writable } from 'node:stream'
import { buildApp as buildAuth } from '@authpair/auth/app'
import { loadAuthConfig } from '@authpair/auth/config'
import { buildApp as buildProfile } from '@authpair/profile/app'
import { loadProfileConfig } from '@authpair/profile/config'
import { OwnRedis, sessionCookieOf } from '@authpair/testing'
import { Redis } from 'ioredis'
import { PASSWORD, post, privateJwk, SECRET } from './helpers.js'

t.test('a full store: 503 for every write, no 500, nothing private in the logs', async (t) => {
  const redis = await OwnRedis.start()
  t.teardown(async () => { await redis.stop() })
  const logs: string[] = []
  const logStream = new Writable({ write (chunk: Buffer, _encoding, done) { logs.push(chunk.toString()); done() } })
  const common = { REDIS_URL: redis.url, LOG_LEVEL: 'info', SESSION_SECRET: SECRET }
  const authConfig = loadAuthConfig({ ...common, JWT_PRIVATE_KEYS: JSON.stringify({ keys: [privateJwk] }) })
  const authApp = await buildAuth(authConfig, { logStream })
  const auth = await authApp.listen({ port: 0, host: '127.0.0.1' })
  const profileApp = await buildProfile(loadProfileConfig({ ...common, AUTH_URL: auth }), { logStream })
  const profile = await profileApp.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(async () => { await profileApp.close(); await authApp.close() })

  // Before the store fills: a user, a session and a token pair, with data that must never reach a log.
  const email = 'full.store@example.com'
  const name = 'Private Person'
  t.equal((await post(`${auth}/v1/users`, { email, password: PASSWORD, name })).status, 201)
  const login = await post(`${auth}/v1/sessions`, { email, password: PASSWORD })
  const cookie = sessionCookieOf(login)
  const { csrfToken } = await login.json() as { csrfToken: string }
  const pair = await (await post(`${auth}/v1/tokens`, { email, password: PASSWORD })).json() as { access_token: string, refresh_token: string }
  const bearer = { authorization: `Bearer ${pair.access_token}` }

  const admin = new Redis(redis.url)
  await admin.config('SET', 'maxmemory', '1')
  admin.disconnect()
  const bio = 'a very private biography'
  const answers: Record<string, number> = {
    register: (await post(`${auth}/v1/users`, { email: 'second@example.com', password: PASSWORD, name })).status,
    'session login': (await post(`${auth}/v1/sessions`, { email, password: PASSWORD })).status,
    'token login': (await post(`${auth}/v1/tokens`, { email, password: PASSWORD })).status,
    refresh: (await post(`${auth}/v1/tokens/refresh`, { refresh_token: pair.refresh_token })).status,
    'revoke token': (await post(`${auth}/v1/tokens/revoke`, { refresh_token: pair.refresh_token }, bearer)).status,
    'patch profile (token)': (await fetch(`${profile}/v1/profile`, {
      method: 'PATCH', headers: { ...bearer, 'content-type': 'application/json' }, body: JSON.stringify({ bio, name })
    })).status,
    'patch profile (session)': (await fetch(`${profile}/v1/profile`, {
      method: 'PATCH', headers: { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' }, body: JSON.stringify({ bio })
    })).status
  }
  const reads: Record<string, number> = {
    'GET /v1/me (token)': (await fetch(`${profile}/v1/me`, { headers: bearer })).status,
    'GET /v1/profile (token)': (await fetch(`${profile}/v1/profile`, { headers: bearer })).status,
    'GET /v1/sessions': (await fetch(`${auth}/v1/sessions`, { headers: { cookie } })).status
  }
  // Last, as they may end the session (DEL is allowed at maxmemory) before failing on a write.
  Object.assign(answers, {
    'log out everywhere': (await fetch(`${auth}/v1/sessions`, { method: 'DELETE', headers: { cookie, 'x-csrf-token': csrfToken } })).status,
    'log out': (await fetch(`${auth}/v1/sessions/current`, { method: 'DELETE', headers: { cookie } })).status
  })
  t.comment(JSON.stringify({ ...answers, ...reads }))
  for (const [route, status] of Object.entries(answers)) t.ok(status === 503 || status === 401, `${route}: ${status}, a definite answer`)
  t.equal(answers['patch profile (token)'], 503, 'the profile update (a MULTI discarded with EXECABORT) is 503, not 500')
  t.equal(answers.register, 503)
  for (const [route, status] of Object.entries(reads)) t.ok(status === 200 || status === 503, `${route}: ${status}`)
  t.notOk(Object.values({ ...answers, ...reads }).includes(500), 'no 500 anywhere')

  const text = logs.join('')
  for (const secret of [bio, name, email, csrfToken, pair.refresh_token, pair.access_token, PASSWORD, cookie.split('=')[1] as string]) {
    t.notOk(text.includes(secret), `the logs never carry ${secret.slice(0, 12)}…`)
  }
})
