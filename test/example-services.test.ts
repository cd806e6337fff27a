// The examples: a notes service that registers @authpair/verify, and a node:http service on its core. The
// same credentials get the same answers there as at the profile service: a session cookie, a bearer token,
// a revoked token (push), a logged-out session, and CSRF on the cookie's writes.
import t from 'tap'
import type { AddressInfo } from 'node:net'
import { buildNotes } from '@authpair/example-notes/app'
import { plainService } from '@authpair/example-notes/plain-http'
import { loadProfileConfig } from '@authpair/profile/config'
import { Redis } from 'ioredis'
import { me, post, registerUser, session, startSystem, tokens, waitFor, type System } from './helpers.js'

t.test('a second service accepts authpair credentials exactly as the profile does', async (t) => {
  const system = await startSystem(t, { TOKEN_REVOCATION: 'push' })
  const config = loadProfileConfig({ ...system.env, AUTH_URL: system.auth })
  const verify = {
    authUrl: system.auth,
    sessionSecret: config.SESSION_SECRET,
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    revocation: 'push' as const
  }
  const notesApp = await buildNotes({ redisUrl: config.REDIS_URL, authKeyPrefix: system.keyPrefix, verify })
  t.teardown(async () => { await notesApp.close() })
  const notes = `${await notesApp.listen({ port: 0, host: '127.0.0.1' })}/v1/notes`

  const redis = new Redis(config.REDIS_URL, { keyPrefix: system.keyPrefix })
  t.teardown(() => { redis.disconnect() })
  const plain = await plainService({ ...verify, redis })
  await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { plain.close() })
  const plainUrl = `http://127.0.0.1:${(plain.address() as AddressInfo).port}/`

  /** The status of the same credential at the profile, the notes service and the plain one. */
  const everywhere = async (headers: Record<string, string>) => [
    (await me(system, headers)).status,
    (await fetch(notes, { headers })).status,
    (await fetch(plainUrl, { headers })).status
  ]
  const email = await registerUser(system)

  t.test('a session cookie, and CSRF on its writes', async (t) => {
    const { cookie, csrfToken } = await session(system, email)
    t.same(await everywhere({ cookie }), [200, 200, 200])
    const identity = await (await fetch(plainUrl, { headers: { cookie } })).json() as { email: string, auth: string }
    t.same([identity.email, identity.auth], [email, 'session'], 'the plain service names the same user')
    t.equal((await post(notes, { text: 'no token' }, { cookie })).status, 403, 'a cookie write without x-csrf-token')
    t.equal((await post(notes, { text: 'hello' }, { cookie, 'x-csrf-token': csrfToken })).status, 201)
    t.same(await (await fetch(notes, { headers: { cookie } })).json(), { notes: ['hello'] })
    t.equal((await post(notes, { text: '' }, { cookie, 'x-csrf-token': csrfToken })).status, 400, 'bad input is a 400')

    const logout = await fetch(`${system.auth}/v1/sessions/current`, { method: 'DELETE', headers: { cookie } })
    t.equal(logout.status, 204)
    t.same(await everywhere({ cookie }), [401, 401, 401], 'the logged-out session, everywhere')
  })

  t.test('a bearer token, and its revocation pushed to every service', async (t) => {
    const pair = await tokens(system, email)
    const bearer = { authorization: `Bearer ${pair.access_token}` }
    t.same(await everywhere(bearer), [200, 200, 200])
    t.equal((await post(notes, { text: 'by token' }, bearer)).status, 201, 'a token write needs no CSRF token')
    t.equal((await post(`${system.auth}/v1/tokens/revoke`, { refresh_token: pair.refresh_token }, bearer)).status, 204)
    t.ok(await waitFor(async () => (await everywhere(bearer)).every((status) => status === 401), 1000),
      'refused everywhere once the revocation is pushed')
    const refused = await fetch(notes, { headers: bearer })
    t.match(refused.headers.get('www-authenticate'), /error="invalid_token"/, 'with the RFC 6750 challenge')
    t.same(await everywhere({}), [401, 401, 401], 'and no credential at all')
  })
})

t.test('the verifier refuses bad options with one line each', async (t) => {
  const system: System = await startSystem(t)
  const redis = new Redis(system.env.REDIS_URL as string)
  t.teardown(() => { redis.disconnect() })
  await t.rejects(plainService({
    authUrl: 'auth', redis, sessionSecret: 'short', issuer: '', audience: 'authpair', revocation: 'pull' as 'push', stalenessMaxMs: 5
  }), {
    name: 'VerifierOptionsError',
    problems: [
      'authUrl: must be an http(s) URL of the auth service (got "auth")',
      'sessionSecret: must be the auth service\'s SESSION_SECRET, at least 32 characters (not shown)',
      'issuer: must be a non-empty string',
      'revocation: must be one of off, denylist, push (got "pull")',
      'stalenessMaxMs: must be a whole number of at least 100 (got 5)'
    ]
  })
})
