// Device cookies (the owner's own login lane) are revocable: log out everywhere ends every device cookie of
// the account, so a stolen one stops sparing its holder the account's lockout.
import t from 'tap'
import { parseSetCookies, sessionCookieOf } from '@authpair/testing'
import { PASSWORD, post, registerUser, startSystem } from './helpers.js'

t.test('log out everywhere invalidates the account\'s device cookies', async (t) => {
  const system = await startSystem(t, { TRUST_PROXY: '1', LOGIN_LIMIT_PER_ACCOUNT: '2' })
  const email = await registerUser(system)
  const login = async (headers: Record<string, string>, password = PASSWORD) =>
    await post(`${system.auth}/v1/sessions`, { email, password }, headers)
  const first = await login({ 'x-forwarded-for': '192.0.2.10' })
  const did = `did=${parseSetCookies(first.headers.getSetCookie()).get('did')?.value ?? ''}`
  const session = { cookie: sessionCookieOf(first), csrfToken: (await first.json() as { csrfToken: string }).csrfToken }

  // Guesses from elsewhere lock the account for anonymous clients…
  const elsewhere = { 'x-forwarded-for': '198.51.100.66' }
  t.same([(await login(elsewhere, 'wrong one!')).status, (await login(elsewhere, 'wrong two!')).status], [401, 401])
  t.equal((await login({ 'x-forwarded-for': '203.0.113.5' })).status, 429, 'the account is locked for anonymous clients')
  // …but not for the owner's device (and a thief holding a copy of that cookie, until it is revoked).
  t.equal((await login({ 'x-forwarded-for': '203.0.113.6', cookie: did })).status, 201, 'the device cookie gives the owner\'s lane')

  const out = await fetch(`${system.auth}/v1/sessions`, {
    method: 'DELETE', headers: { cookie: session.cookie, 'x-csrf-token': session.csrfToken }
  })
  t.equal(out.status, 204, 'log out everywhere')
  t.equal((await login({ 'x-forwarded-for': '203.0.113.6', cookie: did })).status, 429,
    'the old device cookie is anonymous now: it waits out the lockout like anyone')
})

t.test('a device cookie of another account gives no owner lane', async (t) => {
  const system = await startSystem(t, { TRUST_PROXY: '1', LOGIN_LIMIT_PER_ACCOUNT: '1' })
  const mine = await registerUser(system)
  const theirs = await registerUser(system)
  const first = await post(`${system.auth}/v1/tokens`, { email: mine, password: PASSWORD }, { 'x-forwarded-for': '192.0.2.11' })
  const did = `did=${parseSetCookies(first.headers.getSetCookie()).get('did')?.value ?? ''}`
  t.equal((await post(`${system.auth}/v1/tokens`, { email: theirs, password: 'a wrong guess!' }, { 'x-forwarded-for': '198.51.100.67' })).status, 401)
  t.equal((await post(`${system.auth}/v1/tokens`, { email: theirs, password: PASSWORD }, { 'x-forwarded-for': '203.0.113.7', cookie: did })).status, 429,
    'my device cookie presented for their locked account: anonymous')
})

t.test('a password change ends the account\'s device cookies, and gives the caller a fresh one', async (t) => {
  const system = await startSystem(t, { TRUST_PROXY: '1', LOGIN_LIMIT_PER_ACCOUNT: '2' })
  const email = await registerUser(system)
  const login = async (headers: Record<string, string>, password = PASSWORD) =>
    await post(`${system.auth}/v1/tokens`, { email, password }, headers)
  const stolen = `did=${parseSetCookies((await login({ 'x-forwarded-for': '192.0.2.20' })).headers.getSetCookie()).get('did')?.value ?? ''}`
  const pair = await (await login({ 'x-forwarded-for': '192.0.2.21' })).json() as { access_token: string }
  const changed = await fetch(`${system.auth}/v1/users/me/password`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${pair.access_token}`, 'content-type': 'application/json', 'x-forwarded-for': '192.0.2.21' },
    body: JSON.stringify({ currentPassword: PASSWORD, newPassword: 'a brand new passphrase' })
  })
  t.equal(changed.status, 201)
  const fresh = `did=${parseSetCookies(changed.headers.getSetCookie()).get('did')?.value ?? ''}`

  const elsewhere = { 'x-forwarded-for': '198.51.100.67' }
  t.same([(await login(elsewhere, 'wrong one!')).status, (await login(elsewhere, 'wrong two!')).status], [401, 401])
  t.equal((await login({ 'x-forwarded-for': '203.0.113.7', cookie: stolen }, 'a brand new passphrase')).status, 429,
    'the device cookie from before the change is anonymous now')
  t.equal((await login({ 'x-forwarded-for': '203.0.113.8', cookie: fresh }, 'a brand new passphrase')).status, 201,
    'the one the change answered with gives the owner\'s lane')
})
