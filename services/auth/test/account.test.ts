import t from 'tap'
import { hashPassword } from '../src/lib/passwords.js'
import { buildTestApp, newEmail, PASSWORD, register, sessionLogin } from './helpers.js'

const NEW_PASSWORD = 'a brand new passphrase'
type App = Awaited<ReturnType<typeof buildTestApp>>

async function tokenLogin (app: App, email: string, password = PASSWORD) {
  const response = await app.inject({ method: 'POST', url: '/v1/tokens', payload: { email, password } })
  return { status: response.statusCode, pair: response.json() as { access_token: string, refresh_token: string } }
}
const refresh = async (app: App, token: string) =>
  (await app.inject({ method: 'POST', url: '/v1/tokens/refresh', payload: { refresh_token: token } })).statusCode
const listSessions = async (app: App, cookie: string) =>
  (await app.inject({ method: 'GET', url: '/v1/sessions', headers: { cookie } })).statusCode
function sidOf (response: { cookies: Array<{ name: string, value: string }> }): string {
  // The old id's cookie is cleared first, then the new one set: a browser keeps the last.
  const sid = response.cookies.findLast((cookie) => cookie.name === 'sid')
  if (sid === undefined) throw new Error('no sid cookie')
  return `sid=${sid.value}`
}

/** A registered user logged in three times: the session that will call, another session, a token pair. */
async function loggedInThrice (app: App) {
  const email = newEmail()
  const user = await register(app, email)
  const caller = await sessionLogin(app, email)
  const other = await sessionLogin(app, email)
  const { pair } = await tokenLogin(app, email)
  return { email, user, caller, other, pair }
}

t.test('PUT /v1/users/me/password with the session', async (t) => {
  const app = await buildTestApp(t)
  const { email, user, caller, other, pair } = await loggedInThrice(app)
  const payload = { currentPassword: PASSWORD, newPassword: NEW_PASSWORD }
  const change = async (headers: Record<string, string>) =>
    await app.inject({ method: 'PUT', url: '/v1/users/me/password', headers, payload })

  t.equal((await change({ cookie: caller.cookie })).statusCode, 403, 'no CSRF token: 403')
  t.equal((await change({})).statusCode, 401, 'no credentials: 401')

  const changed = await change({ cookie: caller.cookie, 'x-csrf-token': caller.csrfToken })
  t.equal(changed.statusCode, 200)
  const { csrfToken } = changed.json() as { csrfToken: string }
  t.not(csrfToken, caller.csrfToken, 'a new CSRF token')
  const cookie = sidOf(changed)
  t.not(cookie, caller.cookie, 'the session continues under a new id')
  t.equal(changed.headers['cache-control'], 'no-store')

  t.equal(await listSessions(app, cookie), 200, 'the new session works')
  t.equal(await listSessions(app, caller.cookie), 401, 'the old id is gone')
  t.equal(await listSessions(app, other.cookie), 401, 'every other session ended')
  t.equal(await refresh(app, pair.refresh_token), 401, 'every refresh-token family revoked')
  const oldBearer = await app.inject({
    method: 'PUT', url: '/v1/users/me/password', headers: { authorization: `Bearer ${pair.access_token}` }, payload: { currentPassword: NEW_PASSWORD, newPassword: PASSWORD }
  })
  t.equal(oldBearer.statusCode, 401, 'an access token issued before is refused')
  t.equal(await app.redis.get(`user:{${user.id}}:revoked-before-ms`) !== null, true, 'denied by the user-wide cut-off')

  t.equal((await tokenLogin(app, email)).status, 401, 'the old password no longer logs in')
  t.equal((await tokenLogin(app, email, NEW_PASSWORD)).status, 201, 'the new one does')
  const revokeOther = await app.inject({ method: 'DELETE', url: '/v1/sessions', headers: { cookie, 'x-csrf-token': caller.csrfToken } })
  t.equal(revokeOther.statusCode, 403, 'the old CSRF token is void')

  const events = await app.redis.xrange('account-events', '-', '+')
  t.match(events.at(-1)?.[1], ['type', 'password-changed', 'userId', user.id, 'at', /^\d{4}-/], 'a password-changed event')
})

t.test('PUT /v1/users/me/password with a Bearer token answers a fresh pair', async (t) => {
  const app = await buildTestApp(t)
  const email = newEmail()
  await register(app, email)
  const { pair } = await tokenLogin(app, email)
  const session = await sessionLogin(app, email)
  const changed = await app.inject({
    method: 'PUT', url: '/v1/users/me/password', headers: { authorization: `Bearer ${pair.access_token}` }, payload: { currentPassword: PASSWORD, newPassword: NEW_PASSWORD }
  })
  t.equal(changed.statusCode, 201)
  const fresh = changed.json() as { access_token: string, refresh_token: string, token_type: string }
  t.equal(fresh.token_type, 'Bearer')
  t.equal(await refresh(app, fresh.refresh_token), 201, 'the fresh refresh token works')
  t.equal(await refresh(app, pair.refresh_token), 401, 'the old family is revoked')
  t.equal(await listSessions(app, session.cookie), 401, 'sessions ended')
  const withFresh = await app.inject({
    method: 'DELETE', url: '/v1/users/me', headers: { authorization: `bearer ${fresh.access_token}` }, payload: { password: 'wrong password here' }
  })
  t.equal(withFresh.statusCode, 401, 'the fresh access token is accepted…')
  t.equal(withFresh.json().error, 'invalid_credentials', '…and only the password is refused')
})

t.test('the current password is checked like a login: counted, then 429', async (t) => {
  const app = await buildTestApp(t, { LOGIN_LIMIT_PER_ACCOUNT: '2', LOGIN_LIMIT_PER_IP: '100' })
  const email = newEmail()
  await register(app, email)
  const { pair } = await tokenLogin(app, email)
  const headers = { authorization: `Bearer ${pair.access_token}` }
  const attempt = async (currentPassword: string) =>
    await app.inject({ method: 'PUT', url: '/v1/users/me/password', headers, payload: { currentPassword, newPassword: NEW_PASSWORD } })
  const wrong = await attempt('not the password')
  t.equal(wrong.statusCode, 401)
  t.same(wrong.json(), { error: 'invalid_credentials', message: 'Email or password is incorrect' })
  t.equal((await attempt('still not it')).statusCode, 401)
  const limited = await attempt(PASSWORD)
  t.equal(limited.statusCode, 429, 'the failures count against the account, even with the right password after them')
  t.ok(Number(limited.headers['retry-after']) > 0)
  t.equal((await tokenLogin(app, email)).status, 429, 'and the login counter is the same one')
})

t.test('bad requests are 400 and change nothing', async (t) => {
  const app = await buildTestApp(t)
  const email = newEmail()
  await register(app, email)
  const { pair } = await tokenLogin(app, email)
  const headers = { authorization: `Bearer ${pair.access_token}` }
  const cases: Array<[string, unknown]> = [
    ['the same password', { currentPassword: PASSWORD, newPassword: PASSWORD }],
    ['a new password of 11 characters', { currentPassword: PASSWORD, newPassword: 'x'.repeat(11) }],
    ['no current password', { newPassword: NEW_PASSWORD }],
    ['an unknown field', { currentPassword: PASSWORD, newPassword: NEW_PASSWORD, email: 'x@example.com' }]
  ]
  for (const [label, payload] of cases) {
    const response = await app.inject({ method: 'PUT', url: '/v1/users/me/password', headers, payload: payload as object })
    t.equal(response.statusCode, 400, label)
    t.equal(response.json().error, 'invalid_request', label)
  }
  t.equal(await refresh(app, pair.refresh_token), 201, 'the family is untouched')
  const noBody = await app.inject({ method: 'DELETE', url: '/v1/users/me', headers })
  t.equal(noBody.statusCode, 400, 'a deletion without the password is 400')
})

t.test('DELETE /v1/users/me', async (t) => {
  const app = await buildTestApp(t)
  const { email, user, caller, other, pair } = await loggedInThrice(app)
  const remove = async (password: string, headers: Record<string, string>) =>
    await app.inject({ method: 'DELETE', url: '/v1/users/me', headers, payload: { password } })

  t.equal((await remove(PASSWORD, { cookie: caller.cookie })).statusCode, 403, 'no CSRF token: 403')
  t.equal((await remove('wrong password!!', { cookie: caller.cookie, 'x-csrf-token': caller.csrfToken })).statusCode, 401, 'wrong password: 401')
  t.equal(await listSessions(app, other.cookie), 200, 'and nothing was deleted')

  const deleted = await remove(PASSWORD, { cookie: caller.cookie, 'x-csrf-token': caller.csrfToken })
  t.equal(deleted.statusCode, 204)
  t.match(deleted.headers['set-cookie'], /sid=;/, 'the session cookie is cleared')
  t.match(deleted.headers['set-cookie'], /did=;/, 'and the device cookie')
  t.equal(await listSessions(app, caller.cookie), 401)
  t.equal(await listSessions(app, other.cookie), 401, 'every session is gone')
  t.equal(await refresh(app, pair.refresh_token), 401, 'every family')
  t.equal((await remove(PASSWORD, { authorization: `Bearer ${pair.access_token}` })).statusCode, 401, 'access tokens are refused')
  t.equal((await tokenLogin(app, email)).status, 401, 'the account no longer logs in')

  const left = (await app.redis.keys(`*{${user.id}}*`)).map((key) => key.slice(key.indexOf('user:'))).sort()
  t.same(left, [`user:{${user.id}}:deny-family:${pair.refresh_token.split('.')[1] as string}`, `user:{${user.id}}:revoked-before-ms`],
    'of the user, only the denials are left (until the last access token expires)')
  t.equal(await app.redis.get(`user:email:${email}`), null, 'the email entry is gone')
  const events = await app.redis.xrange('account-events', '-', '+')
  t.match(events.at(-1)?.[1], ['type', 'user-deleted', 'userId', user.id], 'a user-deleted event')

  const again = await register(app, email, 'Someone New')
  t.not(again.id, user.id, 'the email registers again, as a new user')
  t.equal((await tokenLogin(app, email)).status, 201)
})

t.test('an account stored before accounts moved into the user slot still logs in, and is moved', async (t) => {
  const app = await buildTestApp(t)
  const email = newEmail()
  const id = '11111111-2222-4333-8444-555555555555'
  const legacy = { id, email, name: 'Old Timer', passwordHash: await hashPassword(PASSWORD), createdAt: '2026-01-01T00:00:00.000Z' }
  await app.redis.set(`user:email:${email}`, JSON.stringify(legacy))
  const login = await sessionLogin(app, email)
  t.match(login.response.json(), { user: { id, email, name: 'Old Timer' } })
  t.equal(await app.redis.get(`user:email:${email}`), id)
  t.match(await app.redis.hgetall(`user:{${id}}:account`), { email, name: 'Old Timer', passwordHash: legacy.passwordHash, generation: '0' })
  const taken = await app.inject({ method: 'POST', url: '/v1/users', payload: { email, password: PASSWORD, name: 'X' } })
  t.equal(taken.statusCode, 409)
})

t.test('an email entry left by an unfinished deletion does not keep the email taken', async (t) => {
  const app = await buildTestApp(t)
  const email = newEmail()
  await app.redis.set(`user:email:${email}`, '99999999-2222-4333-8444-555555555555')
  t.equal((await tokenLogin(app, email)).status, 401, 'it logs nobody in')
  const created = await register(app, email)
  t.not(created.id, '99999999-2222-4333-8444-555555555555')
})
