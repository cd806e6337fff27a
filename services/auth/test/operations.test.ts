import t from 'tap'
import { OwnRedis } from '@authpair/testing'
import { buildTestApp, newEmail, PASSWORD, register, sessionLogin } from './helpers.js'

t.test('health, readiness, metrics, docs and the JSON 404', async (t) => {
  const app = await buildTestApp(t)
  t.same((await app.inject('/healthz')).json(), { status: 'ok' })
  t.same((await app.inject('/readyz')).json(), { status: 'ready', dependencies: { redis: 'up' } })

  const email = newEmail()
  await register(app, email)
  await sessionLogin(app, email)
  await app.inject({ method: 'POST', url: '/v1/sessions', payload: { email, password: 'wrong password!!' } })
  const metrics = await app.inject('/metrics')
  t.equal(metrics.statusCode, 200)
  t.match(metrics.headers['content-type'], /text\/plain/)
  t.match(metrics.body, /authpair_logins_total\{mode="session",outcome="accepted",service="auth"\} 1/)
  t.match(metrics.body, /authpair_logins_total\{mode="session",outcome="rejected",service="auth"\} 1/)
  t.match(metrics.body, /http_request_duration_seconds_count\{service="auth",method="POST",route="\/v1\/sessions",status_code="201"\} 1/)

  const docs = await app.inject('/docs/json')
  t.equal(docs.statusCode, 200)
  const paths = Object.keys(docs.json().paths)
  for (const path of ['/v1/users', '/v1/sessions', '/v1/sessions/current', '/v1/sessions/{id}', '/v1/tokens', '/v1/tokens/refresh', '/v1/tokens/revoke', '/.well-known/jwks.json']) t.ok(paths.includes(path), path)
  const ui = await app.inject('/docs')
  t.equal(ui.statusCode, 200, 'the OpenAPI UI is served')
  t.match(ui.headers['content-security-policy'], /script-src 'self'/, 'with its own policy, wide enough for its scripts')
  const page = await app.inject('/')
  t.equal(page.headers['content-security-policy'], "default-src 'none';script-src 'self';style-src 'self';connect-src 'self';img-src 'self';form-action 'self';base-uri 'none';frame-ancestors 'none'", 'the web page has its own route policy')
  t.equal(page.headers['x-content-type-options'], 'nosniff', 'over the service-wide headers')

  const missing = await app.inject('/nope?x=1')
  t.equal(missing.statusCode, 404)
  t.same(missing.json(), { error: 'not_found', message: 'No route for GET /nope' })
  const jwks = await app.inject('/.well-known/jwks.json')
  for (const response of [missing, metrics, jwks]) {
    t.equal(response.headers['x-content-type-options'], 'nosniff', 'security headers on every response')
    t.equal(response.headers['content-security-policy'], "default-src 'none';frame-ancestors 'none';base-uri 'none';form-action 'none'", 'the API may load and frame nothing')
  }
})

t.test('a login leaves no password, cookie, token or CSRF token in the log', async (t) => {
  const app = await buildTestApp(t, { LOG_LEVEL: 'trace' })
  const email = newEmail()
  await register(app, email)
  const { cookie, csrfToken } = await sessionLogin(app, email)
  await app.inject({ method: 'GET', url: '/v1/sessions', headers: { cookie } })
  await app.inject({ method: 'DELETE', url: '/v1/sessions', headers: { cookie, 'x-csrf-token': csrfToken, authorization: 'Bearer abc.def.ghi' } })
  await app.inject({ method: 'POST', url: '/v1/sessions', payload: { email, password: 'a wrong password' } })
  const log = app.logs.join('')
  t.ok(log.length > 0, 'something was logged')
  const sid = cookie.slice('sid='.length).split('.')[0] as string
  for (const secret of [PASSWORD, 'a wrong password', sid, csrfToken, 'abc.def.ghi']) {
    t.notOk(log.includes(secret), `log does not contain ${secret.slice(0, 6)}…`)
  }
})

t.test('Redis down: store routes answer 503 store_unavailable fast, health stays up, all recovers', async (t) => {
  const redis = await OwnRedis.start()
  t.teardown(() => redis.stop())
  const app = await buildTestApp(t, { REDIS_URL: redis.url, REDIS_COMMAND_TIMEOUT_MS: '300' })
  const email = newEmail()
  await register(app, email)
  const { cookie } = await sessionLogin(app, email)

  await redis.kill()
  const checks = [
    { method: 'POST' as const, url: '/v1/sessions', payload: { email, password: PASSWORD } },
    { method: 'POST' as const, url: '/v1/users', payload: { email: newEmail(), password: PASSWORD, name: 'N' } },
    { method: 'GET' as const, url: '/v1/sessions', headers: { cookie } }
  ]
  for (const request of checks) {
    const started = performance.now()
    const response = await app.inject(request)
    const ms = performance.now() - started
    t.equal(response.statusCode, 503, `${request.method} ${request.url}`)
    t.same(response.json().error, 'store_unavailable')
    t.ok(ms < 1000, `answered in ${ms.toFixed(0)} ms`)
  }
  const readiness = await app.inject('/readyz')
  t.equal(readiness.statusCode, 503, 'not ready: every auth route needs Redis')
  t.same(readiness.json(), { status: 'not ready', dependencies: { redis: 'down' } })
  t.equal((await app.inject('/healthz')).statusCode, 200, 'the process is alive')

  await redis.restart()
  const deadline = Date.now() + 5000
  while ((await app.inject('/readyz')).statusCode !== 200 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
  t.equal((await app.inject('/readyz')).statusCode, 200, 'ready again without a restart')
  await register(app, email) // the restarted Redis kept nothing: the user is new again
  t.equal((await app.inject({ method: 'POST', url: '/v1/sessions', payload: { email, password: PASSWORD } })).statusCode, 201)
})
