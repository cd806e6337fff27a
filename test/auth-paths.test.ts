import t from 'tap'
import { createHmac, createPublicKey } from 'node:crypto'
import { tamper } from '@authpair/testing'
import { me, privateJwk, registerUser, session, startSystem, tokens } from './helpers.js'

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

t.test('both credentials reach the profile service', async (t) => {
  const system = await startSystem(t)
  const email = await registerUser(system, 'Ann')
  const { access_token: access } = await tokens(system, email)
  const { cookie, csrfToken } = await session(system, email)

  const byToken = await me(system, { authorization: `Bearer ${access}` })
  t.equal(byToken.status, 200)
  t.match(await byToken.json(), { email, name: 'Ann', auth: 'token' })
  const bySession = await me(system, { cookie })
  t.equal(bySession.status, 200)
  t.match(await bySession.json(), { email, name: 'Ann', auth: 'session' })

  const none = await me(system, {})
  t.equal(none.status, 401)
  t.match(none.headers.get('www-authenticate'), /^Bearer/)
  t.same((await none.json() as { error: string }).error, 'unauthorized')

  t.test('an Authorization header that fails is a 401, never a fall-back to the cookie', async (t) => {
    for (const authorization of ['Basic dXNlcjpwYXNz', 'Bearer garbage', `Bearer ${access}x`]) {
      t.equal((await me(system, { authorization, cookie })).status, 401, authorization.slice(0, 12))
    }
  })

  t.test('forged tokens: alg none, and HS256 signed with the public key', async (t) => {
    const [, payload] = access.split('.') as [string, string]
    const none = `${b64({ alg: 'none', typ: 'JWT', kid: privateJwk.kid })}.${payload}.`
    t.equal((await me(system, { authorization: `Bearer ${none}` })).status, 401, 'alg none')
    const publicPem = createPublicKey({ key: privateJwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' })
    const header = b64({ alg: 'HS256', typ: 'JWT', kid: privateJwk.kid })
    const signature = createHmac('sha256', publicPem).update(`${header}.${payload}`).digest('base64url')
    t.equal((await me(system, { authorization: `Bearer ${header}.${payload}.${signature}` })).status, 401, 'HS256 with the public key')
  })

  t.test('a tampered payload or cookie is refused', async (t) => {
    const [header, payload, signature] = access.split('.') as [string, string, string]
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString())
    const tampered = `${header}.${b64({ ...claims, name: 'Mallory' })}.${signature}`
    t.equal((await me(system, { authorization: `Bearer ${tampered}` })).status, 401)
    const badSignature = `${header}.${payload}.${tamper(signature, -4)}`
    t.equal((await me(system, { authorization: `Bearer ${badSignature}` })).status, 401)
    const [name, value] = cookie.split('=') as [string, string]
    t.equal((await me(system, { cookie: `${name}=${tamper(value, 0)}` })).status, 401, 'tampered cookie')
    t.equal((await me(system, { cookie: 'sid=unsigned-value' })).status, 401)
  })

  t.test('PATCH /v1/profile with the cookie needs the CSRF token; with a token it does not', async (t) => {
    const patch = (headers: Record<string, string>, body: unknown) =>
      fetch(`${system.profile}/v1/profile`, { method: 'PATCH', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })
    const refused = await patch({ cookie }, { bio: 'hi' })
    t.equal(refused.status, 403)
    t.equal((await refused.json() as { error: string }).error, 'csrf_failed')
    const done = await patch({ cookie, 'x-csrf-token': csrfToken }, { bio: 'hello', name: 'Ann B' })
    t.equal(done.status, 200)
    t.match(await done.json(), { bio: 'hello', name: 'Ann B', auth: 'session' })
    const byToken = await patch({ authorization: `Bearer ${access}` }, { bio: 'by token' })
    t.match(await byToken.json(), { bio: 'by token', name: 'Ann B', auth: 'token' })
    t.match(await (await me(system, { authorization: `Bearer ${access}` })).json(), { name: 'Ann' }, '/v1/me keeps the name as of login')
    t.equal((await patch({ authorization: `Bearer ${access}` }, { bio: 'x'.repeat(2001) })).status, 400)
    t.equal((await patch({ authorization: `Bearer ${access}` }, { name: '' })).status, 400)
    t.equal((await patch({ authorization: `Bearer ${access}` }, {})).status, 400)
    t.equal((await patch({ authorization: `Bearer ${access}` }, { bio: 'y'.repeat(20_000) })).status, 413)
  })

  t.test('a logged-out session is refused on the very next request', async (t) => {
    await fetch(`${system.auth}/v1/sessions/current`, { method: 'DELETE', headers: { cookie } })
    t.equal((await me(system, { cookie })).status, 401)
  })
})

t.test('an expired access token is refused', async (t) => {
  const system = await startSystem(t, { ACCESS_TOKEN_TTL: '1', JWT_CLOCK_LEEWAY: '0' })
  const email = await registerUser(system)
  const { access_token: access } = await tokens(system, email)
  t.equal((await me(system, { authorization: `Bearer ${access}` })).status, 200)
  await new Promise((resolve) => setTimeout(resolve, 2100))
  t.equal((await me(system, { authorization: `Bearer ${access}` })).status, 401, 'refused after exp, even from the cache')
})
