import t from 'tap'
import { connect } from 'node:net'
import { freePort, parseSetCookies, sessionCookieOf, tamper } from '@authpair/testing'
// eslint-disable-next-line import-x/no-relative-packages -- a script of the repository root, not a package
import { startGateway } from '../scripts/dev-gateway.mjs'
import { me, PASSWORD, post, registerUser, startSystem, tokens, type System } from './helpers.js'

// Abuse at the edge, over real HTTP against a real Redis: who the client is behind a proxy, lockout that
// spares the owner, and the small edges (caching, unknown fields, hostile text, cookie names, the gateway).

const wrongLogin = async (system: System, email: string, headers: Record<string, string> = {}) =>
  await post(`${system.auth}/v1/sessions`, { email, password: 'not the password!' }, headers)

t.test('TRUST_PROXY=1: the client is the address the one proxy saw, whatever it wrote itself', async (t) => {
  const system = await startSystem(t, { TRUST_PROXY: '1', LOGIN_LIMIT_PER_IP: '3', LOGIN_LIMIT_PER_ACCOUNT: '1000' })
  const email = await registerUser(system)
  // This test is the proxy: it appends the peer address it "saw" after whatever the client sent.
  const via = (client: string, forged = `203.0.113.${Math.floor(Math.random() * 250)}`) => ({ 'x-forwarded-for': `${forged}, ${client}` })
  for (let i = 0; i < 3; i++) t.equal((await wrongLogin(system, email, via('198.51.100.1'))).status, 401)
  const limited = await wrongLogin(system, email, via('198.51.100.1'))
  t.equal(limited.status, 429, 'rotating the forged part of X-Forwarded-For does not escape the per-address limit')
  t.ok(Number(limited.headers.get('retry-after')) >= 1, 'with Retry-After')
  t.equal((await wrongLogin(system, email, via('198.51.100.2'))).status, 401, 'another client behind the same proxy has its own count')

  const login = await post(`${system.auth}/v1/sessions`, { email, password: PASSWORD }, via('198.51.100.7', '10.6.6.6'))
  const cookie = sessionCookieOf(login)
  const listing = await (await fetch(`${system.auth}/v1/sessions`, { headers: { cookie } })).json() as { sessions: Array<{ ip: string, current: boolean }> }
  t.equal(listing.sessions.find((entry) => entry.current)?.ip, '198.51.100.7', 'the session list shows the real client, not the forged one')
})

t.test('IPv6 clients are limited per /64', async (t) => {
  const system = await startSystem(t, { TRUST_PROXY: '1', LOGIN_LIMIT_PER_IP: '3', LOGIN_LIMIT_PER_ACCOUNT: '1000' })
  const email = await registerUser(system)
  const from = (address: string) => ({ 'x-forwarded-for': address })
  for (const address of ['2001:db8:1:2::1', '2001:db8:1:2::2', '2001:db8:1:2:aaaa:bbbb:cccc:dddd']) {
    t.equal((await wrongLogin(system, email, from(address))).status, 401)
  }
  t.equal((await wrongLogin(system, email, from('2001:0db8:0001:0002::ffff'))).status, 429, 'a fourth address of the same /64: limited')
  t.equal((await wrongLogin(system, email, from('2001:db8:1:3::1'))).status, 401, 'the next /64 is another client')
})

t.test('a device cookie spares the owner when guesses from elsewhere lock the account', async (t) => {
  const system = await startSystem(t, { TRUST_PROXY: '1', LOGIN_LIMIT_PER_ACCOUNT: '10', LOGIN_LIMIT_PER_IP: '1000' })
  const email = await registerUser(system)
  const first = await post(`${system.auth}/v1/tokens`, { email, password: PASSWORD }, { 'x-forwarded-for': '192.0.2.10' })
  const device = parseSetCookies(first.headers.getSetCookie()).get('did')
  t.ok(device, 'a successful login sets the device cookie')
  t.ok(device?.attributes.includes('HttpOnly'), 'HttpOnly')
  t.ok(device?.attributes.some((attribute) => /^Max-Age=\d{7,}$/.test(attribute)), 'long-lived')
  const did = `did=${device?.value ?? ''}`

  for (let i = 0; i < 10; i++) {
    t.equal((await wrongLogin(system, email, { 'x-forwarded-for': `198.51.100.${i + 1}` })).status, 401)
  }
  const stranger = await post(`${system.auth}/v1/sessions`, { email, password: PASSWORD }, { 'x-forwarded-for': '198.51.100.99' })
  t.equal(stranger.status, 429, 'a fresh client: the account is locked for anonymous clients')
  t.ok(Number(stranger.headers.get('retry-after')) >= 1, 'with Retry-After')
  for (const path of ['/v1/sessions', '/v1/tokens']) {
    const owner = await post(`${system.auth}${path}`, { email, password: PASSWORD }, { 'x-forwarded-for': '192.0.2.10', cookie: did })
    t.equal(owner.status, 201, `the owner with its device cookie logs in (${path})`)
  }
  const otherAccount = await registerUser(system)
  const elsewhere = await post(`${system.auth}/v1/sessions`, { email: otherAccount, password: 'wrong password!!' }, { cookie: did })
  t.equal(elsewhere.status, 401, 'the cookie is for its own account only: elsewhere it is an anonymous attempt')
  const forged = `did=${tamper(device?.value ?? '', -3)}`
  const withForged = await post(`${system.auth}/v1/sessions`, { email, password: PASSWORD }, { cookie: forged })
  t.equal(withForged.status, 429, 'a tampered device cookie is no device cookie')
})

t.test('responses that carry credentials or profile data are never cached', async (t) => {
  const system = await startSystem(t)
  const email = await registerUser(system)
  const register = await post(`${system.auth}/v1/users`, { email: `cc.${Date.now()}@example.com`, password: PASSWORD, name: 'C' })
  const pair = await post(`${system.auth}/v1/tokens`, { email, password: PASSWORD })
  const login = await post(`${system.auth}/v1/sessions`, { email, password: PASSWORD })
  const cookie = sessionCookieOf(login)
  const bearer = { authorization: `Bearer ${(await pair.json() as { access_token: string }).access_token}` }
  const answers = {
    register,
    'token login': pair,
    'session login': login,
    'session list': await fetch(`${system.auth}/v1/sessions`, { headers: { cookie } }),
    '/v1/me': await me(system, bearer),
    '/v1/profile': await fetch(`${system.profile}/v1/profile`, { headers: bearer }),
    'a 401': await me(system, {})
  }
  for (const [name, answer] of Object.entries(answers)) t.equal(answer.headers.get('cache-control'), 'no-store', name)
  t.match((await fetch(`${system.auth}/.well-known/jwks.json`)).headers.get('cache-control'), /^public, max-age=\d+$/, 'the JWKS stays cacheable')
})

t.test('unknown body fields and hostile characters are refused, not dropped or stored', async (t) => {
  const system = await startSystem(t)
  const email = await registerUser(system)
  const bearer = { authorization: `Bearer ${(await tokens(system, email)).access_token}` }
  const patch = async (body: unknown, headers: Record<string, string> = bearer) =>
    await fetch(`${system.profile}/v1/profile`, { method: 'PATCH', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) })
  const admin = await patch({ admin: true })
  t.equal(admin.status, 400, 'PATCH {"admin": true}')
  t.equal((await admin.json() as { error: string }).error, 'invalid_request')
  t.equal((await patch({ bio: 'ok', admin: true })).status, 400, 'a known field does not carry an unknown one through')
  t.equal((await post(`${system.auth}/v1/users`, { email: `u.${Date.now()}@example.com`, password: PASSWORD, name: 'A', role: 'admin' })).status, 400)
  t.equal((await post(`${system.auth}/v1/tokens`, { email, password: PASSWORD, scope: 'all' })).status, 400)

  const hostile = [['RLO', 'abc\u202Etxt.exe'], ['LRI', 'a\u2066b'], ['escape', 'a\u001b[31mred'], ['NUL', 'a\u0000b'], ['C1', 'a\u0085b'],
    ['LINE SEPARATOR', 'a\u2028b'], ['PARAGRAPH SEPARATOR', 'a\u2029b'], ['ZWSP', 'Ann\u200B'], ['WORD JOINER', 'A\u2060nn'], ['BOM', '\uFEFFAnn']]
  for (const [label, name] of hostile) {
    t.equal((await patch({ name })).status, 400, `name with ${label}`)
    t.equal((await post(`${system.auth}/v1/users`, { email: `n${label}.${Date.now()}@example.com`, password: PASSWORD, name })).status, 400, `registration name with ${label}`)
  }
  t.equal((await patch({ bio: 'evil \u202E' })).status, 400, 'bio with a bidi override')
  t.equal((await patch({ bio: 'one\u2028two' })).status, 400, 'bio with a line separator')
  t.equal((await patch({ bio: 'line one\nline two', name: 'Zoë 李 🙂' })).status, 200, 'newlines in a bio, and any script or emoji in a name, are fine')
  t.equal((await patch({ name: 'می\u200Cخواهم 👨\u200D👩\u200D👧' })).status, 200, 'ZWNJ (Persian) and ZWJ (emoji sequences) are kept')
})

t.test('a Secure session cookie is __Host-sid, and both services read it', async (t) => {
  const system = await startSystem(t, { COOKIE_SECURE: 'true', TRUST_PROXY: '1' })
  const email = await registerUser(system)
  const login = await post(`${system.auth}/v1/sessions`, { email, password: PASSWORD }, { 'x-forwarded-proto': 'https' })
  const set = parseSetCookies(login.headers.getSetCookie())
  t.ok(set.has('__Host-sid') && !set.has('sid'), '__Host-sid is set')
  const cookie = `__Host-sid=${set.get('__Host-sid')?.value ?? ''}`
  t.equal((await me(system, { cookie })).status, 200, 'the profile service reads __Host-sid')
  t.equal((await fetch(`${system.auth}/v1/sessions`, { headers: { cookie } })).status, 200, 'and the auth service')
  t.equal((await me(system, { cookie: cookie.replace('__Host-sid', 'sid') })).status, 401, 'the plain name is not read')
})

/** One request written by hand, so the request target is exactly what an attacker would send. */
async function raw (port: number, requestLine: string): Promise<string> {
  return await new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => { socket.end(`${requestLine}\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`) })
    let answer = ''
    socket.on('data', (chunk) => { answer += String(chunk) })
    socket.on('end', () => resolve(answer))
    socket.on('error', reject)
  })
}

t.test('the development gateway forwards origin-form targets to its two services only, and hides operations', async (t) => {
  const system = await startSystem(t)
  const port = await freePort()
  const gateway = await startGateway({ port, auth: system.auth, profile: system.profile })
  t.teardown(() => { gateway.close() })
  const profilePort = new URL(system.profile).port
  t.match(await raw(port, `GET //127.0.0.1:${profilePort}/metrics HTTP/1.1`), /^HTTP\/1\.1 400 /, '//host/path is not a way out')
  t.match(await raw(port, `GET http://127.0.0.1:${profilePort}/metrics HTTP/1.1`), /^HTTP\/1\.1 400 /, 'nor an absolute URL')
  // Sent as written (fetch would resolve the dot segments itself): the gateway decides on the path the
  // service will route, decoded and normalised.
  for (const path of ['/%6Detrics', '/./metrics', '/v1/../metrics', '/%64ocs/json']) {
    t.match(await raw(port, `GET ${path} HTTP/1.1`), /^HTTP\/1\.1 404 /, `${path} is not a way round it`)
  }
  for (const path of ['/metrics', '/docs', '/docs/json', '/bench/bare']) {
    const answer = await fetch(`http://127.0.0.1:${port}${path}`)
    t.equal(answer.status, 404, `${path} is not served by the gateway`)
    t.equal((await answer.json() as { error: string }).error, 'not_found')
  }
  t.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200, 'the API still is')
  t.equal((await fetch(`${system.auth}/metrics`)).status, 200, 'and /metrics on the service port')
})

t.test('TRUST_PROXY=true in production is refused with one clear line', async (t) => {
  const { loadAuthConfig } = await import('@authpair/auth/config')
  t.throws(() => loadAuthConfig({ NODE_ENV: 'production', TRUST_PROXY: 'true', SESSION_SECRET: 'x'.repeat(40) }), /TRUST_PROXY=true believes every X-Forwarded-For hop/)
  t.throws(() => loadAuthConfig({ TRUST_PROXY: 'yes please' }), /TRUST_PROXY: must be false, a hop count/)
  t.doesNotThrow(() => loadAuthConfig({ NODE_ENV: 'production', TRUST_PROXY: '10.0.0.0/8, 127.0.0.1', SESSION_SECRET: 'x'.repeat(40) }))
})
