import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseSetCookies, tamper } from '@authpair/testing'
import { buildTestApp, newEmail, PASSWORD, register, sessionLogin } from './helpers.js'

t.test('session login', async (t) => {
  const app = await buildTestApp(t)
  const email = newEmail()
  const user = await register(app, email)

  t.test('201 with the user, expiry, CSRF token and a signed HttpOnly SameSite=Lax cookie', async (t) => {
    const { response } = await sessionLogin(app, email)
    t.equal(response.statusCode, 201)
    const body = response.json()
    t.same(body.user, user)
    t.ok(Date.parse(body.expiresAt) > Date.now() + 11 * 3600_000, 'absolute deadline about 12 h away')
    t.match(body.csrfToken, /^[\w-]{43}$/)
    const sid = parseSetCookies(response.headers['set-cookie']).get('sid')
    t.ok(sid, 'sid cookie set')
    t.match(sid?.value, /^[\w-]+\.[\w%+/-]+$/, 'value is id.signature')
    t.ok(sid?.attributes.includes('HttpOnly'))
    t.ok(sid?.attributes.includes('SameSite=Lax'))
    t.ok(sid?.attributes.includes('Path=/'))
    t.notOk(sid?.attributes.includes('Secure'), 'not Secure unless configured')
  })

  t.test('unknown email and wrong password get the identical answer', async (t) => {
    const wrong = await app.inject({ method: 'POST', url: '/v1/sessions', payload: { email, password: 'wrong password!!' } })
    const unknown = await app.inject({ method: 'POST', url: '/v1/sessions', payload: { email: newEmail(), password: PASSWORD } })
    t.equal(wrong.statusCode, 401)
    t.equal(unknown.statusCode, 401)
    t.same(wrong.json(), { error: 'invalid_credentials', message: 'Email or password is incorrect' })
    t.equal(unknown.body, wrong.body)
    t.notOk(wrong.headers['set-cookie'], 'no cookie for a failed login')
  })

  t.test('the email is matched case-insensitively at login', async (t) => {
    const { response } = await sessionLogin(app, ` ${email.toUpperCase()} `)
    t.equal(response.json().user.id, user.id)
  })

  t.test('a session id the client brings is never adopted: login issues a new one and ends the old', async (t) => {
    const first = await sessionLogin(app, email)
    const second = await sessionLogin(app, email, { cookie: first.cookie })
    t.not(second.cookie, first.cookie)
    const old = await app.inject({ method: 'GET', url: '/v1/sessions', headers: { cookie: first.cookie } })
    t.equal(old.statusCode, 401, 'the pre-login session is gone')
  })

  t.test('bad bodies are 400', async (t) => {
    for (const payload of [{}, { email }, { email, password: '' }, { email: 'x', password: PASSWORD }, { email, password: 5 }]) {
      const response = await app.inject({ method: 'POST', url: '/v1/sessions', payload })
      t.equal(response.statusCode, 400, JSON.stringify(payload))
      t.equal(response.json().error, 'invalid_request')
    }
  })
})

t.test('Secure cookies when COOKIE_SECURE=true', async (t) => {
  const app = await buildTestApp(t, { COOKIE_SECURE: 'true', TRUST_PROXY: 'true' })
  const email = newEmail()
  await register(app, email)
  const response = await app.inject({
    method: 'POST', url: '/v1/sessions', payload: { email, password: PASSWORD }, headers: { 'x-forwarded-proto': 'https' }
  })
  t.equal(response.statusCode, 201)
  const cookies = parseSetCookies(response.headers['set-cookie'])
  t.notOk(cookies.has('sid'), 'a Secure session cookie is never plain `sid`')
  const hostSid = cookies.get('__Host-sid')
  t.ok(hostSid?.attributes.includes('Secure'), '__Host-sid: Secure')
  t.ok(hostSid?.attributes.includes('Path=/'), 'Path=/')
  t.notOk(hostSid?.attributes.some((attribute) => attribute.startsWith('Domain')), 'no Domain (the __Host- rules)')
})

t.test('listing, logging out and revoking sessions', async (t) => {
  const app = await buildTestApp(t)
  const email = newEmail()
  await register(app, email)
  const laptop = await sessionLogin(app, email, { 'user-agent': 'laptop' })
  const phone = await sessionLogin(app, email, { 'user-agent': 'phone' })
  const list = async (cookie: string) => await app.inject({ method: 'GET', url: '/v1/sessions', headers: { cookie } })

  t.test('GET /v1/sessions lists the user\'s sessions by public handle, marking the current one', async (t) => {
    const response = await list(laptop.cookie)
    t.equal(response.statusCode, 200)
    const { sessions } = response.json()
    t.equal(sessions.length, 2)
    t.same(sessions.map((s: { userAgent: string }) => s.userAgent), ['laptop', 'phone'])
    t.same(sessions.map((s: { current: boolean }) => s.current), [true, false])
    for (const s of sessions) {
      t.match(s, { id: /^[\w-]{22}$/, ip: '127.0.0.1', createdAt: /Z$/, lastSeenAt: /Z$/ })
      t.notOk(laptop.cookie.includes(s.id) || phone.cookie.includes(s.id), 'handle is not the session id')
    }
  })

  t.test('without a cookie, or with a tampered one, it is 401', async (t) => {
    t.equal((await app.inject({ method: 'GET', url: '/v1/sessions' })).statusCode, 401)
    const tampered = `sid=${tamper(laptop.cookie.slice('sid='.length), 0)}`
    const response = await list(tampered)
    t.equal(response.statusCode, 401)
    t.same(response.json().error, 'unauthorized')
    t.equal((await list('sid=garbage')).statusCode, 401)
  })

  t.test('DELETE /v1/sessions/:id needs the CSRF token, and only finds the caller\'s own sessions', async (t) => {
    const [, phoneSession] = (await list(laptop.cookie)).json().sessions
    const noCsrf = await app.inject({ method: 'DELETE', url: `/v1/sessions/${phoneSession.id}`, headers: { cookie: laptop.cookie } })
    t.equal(noCsrf.statusCode, 403)
    t.equal(noCsrf.json().error, 'csrf_failed')
    const wrongCsrf = await app.inject({ method: 'DELETE', url: `/v1/sessions/${phoneSession.id}`, headers: { cookie: laptop.cookie, 'x-csrf-token': phone.csrfToken } })
    t.equal(wrongCsrf.statusCode, 403, "another session's token does not do")

    const other = newEmail()
    await register(app, other)
    const stranger = await sessionLogin(app, other)
    const foreign = await app.inject({ method: 'DELETE', url: `/v1/sessions/${phoneSession.id}`, headers: { cookie: stranger.cookie, 'x-csrf-token': stranger.csrfToken } })
    t.equal(foreign.statusCode, 404)
    t.equal(foreign.json().error, 'not_found')
    t.equal((await list(phone.cookie)).statusCode, 200, 'still alive')

    const revoked = await app.inject({ method: 'DELETE', url: `/v1/sessions/${phoneSession.id}`, headers: { cookie: laptop.cookie, 'x-csrf-token': laptop.csrfToken } })
    t.equal(revoked.statusCode, 204)
    t.equal((await list(phone.cookie)).statusCode, 401, 'the revoked session is refused at once')
    t.equal((await list(laptop.cookie)).json().sessions.length, 1)
  })

  t.test('DELETE /v1/sessions/current logs out: 204, cookie cleared, gone from the store', async (t) => {
    const tablet = await sessionLogin(app, email, { 'user-agent': 'tablet' })
    const response = await app.inject({ method: 'DELETE', url: '/v1/sessions/current', headers: { cookie: tablet.cookie } })
    t.equal(response.statusCode, 204)
    t.equal(response.body, '')
    const cleared = parseSetCookies(response.headers['set-cookie']).get('sid')
    t.equal(cleared?.value, '')
    t.ok(cleared?.attributes.some((a) => /^Expires=Thu, 01 Jan 1970/.test(a)))
    t.equal((await list(tablet.cookie)).statusCode, 401)
    t.equal((await app.inject({ method: 'DELETE', url: '/v1/sessions/current', headers: { cookie: tablet.cookie } })).statusCode, 401)
  })
})

t.test('DELETE /v1/sessions logs out everywhere', async (t) => {
  const app = await buildTestApp(t)
  const email = newEmail()
  await register(app, email)
  const a = await sessionLogin(app, email)
  const b = await sessionLogin(app, email)
  const other = newEmail()
  await register(app, other)
  const bystander = await sessionLogin(app, other)

  const noCsrf = await app.inject({ method: 'DELETE', url: '/v1/sessions', headers: { cookie: a.cookie } })
  t.equal(noCsrf.statusCode, 403)
  const response = await app.inject({ method: 'DELETE', url: '/v1/sessions', headers: { cookie: a.cookie, 'x-csrf-token': a.csrfToken } })
  t.equal(response.statusCode, 204)
  for (const cookie of [a.cookie, b.cookie]) {
    t.equal((await app.inject({ method: 'GET', url: '/v1/sessions', headers: { cookie } })).statusCode, 401)
  }
  t.equal((await app.inject({ method: 'GET', url: '/v1/sessions', headers: { cookie: bystander.cookie } })).statusCode, 200, 'other users keep theirs')
})

t.test('idle and absolute timeouts are enforced by the server', async (t) => {
  t.test('idle: a session unused for SESSION_IDLE_TTL ends', async (t) => {
    const app = await buildTestApp(t, { SESSION_IDLE_TTL: '1', SESSION_ABSOLUTE_TTL: '60' })
    const email = newEmail()
    await register(app, email)
    const { cookie } = await sessionLogin(app, email)
    t.equal((await app.inject({ method: 'GET', url: '/v1/sessions', headers: { cookie } })).statusCode, 200)
    await sleep(1100)
    t.equal((await app.inject({ method: 'GET', url: '/v1/sessions', headers: { cookie } })).statusCode, 401)
  })

  t.test('absolute: a busy session still ends at SESSION_ABSOLUTE_TTL', async (t) => {
    const app = await buildTestApp(t, { SESSION_IDLE_TTL: '1', SESSION_ABSOLUTE_TTL: '2' })
    const email = newEmail()
    await register(app, email)
    const { cookie } = await sessionLogin(app, email)
    const started = Date.now()
    while (Date.now() - started < 1800) {
      t.equal((await app.inject({ method: 'GET', url: '/v1/sessions', headers: { cookie } })).statusCode, 200, 'kept alive by use')
      await sleep(300)
    }
    await sleep(Math.max(0, 2100 - (Date.now() - started)))
    t.equal((await app.inject({ method: 'GET', url: '/v1/sessions', headers: { cookie } })).statusCode, 401, 'ended at the absolute deadline')
  })
})

t.test('login rate limits: per account and per IP, with Retry-After', async (t) => {
  const app = await buildTestApp(t, { LOGIN_LIMIT_PER_ACCOUNT: '3', LOGIN_LIMIT_PER_IP: '5' })
  const victim = newEmail()
  await register(app, victim)
  const attempt = (email: string, ip = '127.0.0.1') =>
    app.inject({ method: 'POST', url: '/v1/sessions', payload: { email, password: 'wrong password!!' }, remoteAddress: ip })

  const statuses = []
  for (let i = 0; i < 4; i++) statuses.push((await attempt(victim, `10.0.0.${i}`)).statusCode)
  t.same(statuses, [401, 401, 401, 429], 'the 4th attempt on one account is refused, whatever the IP')
  const limited = await attempt(victim.toUpperCase(), '10.0.0.9')
  t.equal(limited.statusCode, 429, 'case variants share the counter')
  t.equal(limited.json().error, 'rate_limited')
  t.ok(Number(limited.headers['retry-after']) > 0, 'Retry-After is set')

  const sprayed = []
  for (let i = 0; i < 6; i++) sprayed.push((await attempt(newEmail(), '10.9.9.9')).statusCode)
  t.same(sprayed, [401, 401, 401, 401, 401, 429], 'one IP spraying many accounts is refused after 5')
})
