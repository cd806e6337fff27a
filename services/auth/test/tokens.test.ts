import t from 'tap'
import { createPublicKey } from 'node:crypto'
import { createVerifier } from 'fast-jwt'
import { generatePrivateJwk } from '@authpair/keys'
import { denylistReadCommand } from '@authpair/revocation'
import type { FastifyInstance } from 'fastify'
import { buildTestApp, newEmail, PASSWORD, register, sessionLogin } from './helpers.js'

interface Pair { access_token: string, token_type: string, expires_in: number, refresh_token: string }

async function tokenLogin (app: FastifyInstance, email: string): Promise<Pair> {
  const response = await app.inject({ method: 'POST', url: '/v1/tokens', payload: { email, password: PASSWORD } })
  if (response.statusCode !== 201) throw new Error(`token login: ${response.statusCode} ${response.body}`)
  return response.json()
}
const refresh = (app: FastifyInstance, token: string) =>
  app.inject({ method: 'POST', url: '/v1/tokens/refresh', payload: { refresh_token: token } })

/** Verifies like a third party would: only the published JWKS, RS256 pinned, iss and aud checked. */
async function verifyWithJwks (app: FastifyInstance, token: string) {
  const { keys } = (await app.inject('/.well-known/jwks.json')).json()
  const { kid } = JSON.parse(Buffer.from(token.split('.')[0] as string, 'base64url').toString())
  const jwk = keys.find((k: { kid: string }) => k.kid === kid)
  if (jwk === undefined) throw new Error('unknown kid')
  const key = createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' })
  const verify = createVerifier({ algorithms: ['RS256'], allowedIss: 'http://127.0.0.1:3001', allowedAud: 'authpair', key })
  return verify(token)
}

t.test('token login issues an RS256 access token that verifies against the JWKS, and an opaque refresh token', async (t) => {
  const app = await buildTestApp(t)
  const email = newEmail()
  const user = await register(app, email)
  const pair = await tokenLogin(app, email)
  t.match(pair, { token_type: 'Bearer', expires_in: 900, refresh_token: /^[0-9a-f-]{36}\.[\w-]{22}\.[\w-]{43}$/ })

  const header = JSON.parse(Buffer.from(pair.access_token.split('.')[0] as string, 'base64url').toString())
  t.equal(header.alg, 'RS256')
  t.equal(header.typ, 'at+jwt', 'an access token says so (RFC 9068)')
  const jwks = await app.inject('/.well-known/jwks.json')
  t.match(jwks.headers['cache-control'], /max-age=\d+/)
  t.equal(header.kid, jwks.json().keys[0].kid)

  const claims = await verifyWithJwks(app, pair.access_token)
  const [userId, family, secret] = pair.refresh_token.split('.') as [string, string, string]
  t.match(claims, {
    sub: user.id, name: user.name, email: user.email, iss: 'http://127.0.0.1:3001', aud: 'authpair', jti: /^[0-9a-f-]{36}$/, fid: family
  })
  t.equal(userId, user.id, 'the refresh token routes to its user')
  t.equal(claims.exp - claims.iat, 900)

  const stored = JSON.stringify(await app.redis.hgetall(`user:{${userId}}:rt:${family}`))
  t.match(stored, /current/, 'the family record is where the test looks')
  t.notOk(stored.includes(secret), 'only a hash of the refresh secret is stored')
})

t.test('token login failures', async (t) => {
  const app = await buildTestApp(t, { LOGIN_LIMIT_PER_ACCOUNT: '2' })
  const email = newEmail()
  await register(app, email)
  const wrong = await app.inject({ method: 'POST', url: '/v1/tokens', payload: { email, password: 'not the password' } })
  const unknown = await app.inject({ method: 'POST', url: '/v1/tokens', payload: { email: newEmail(), password: PASSWORD } })
  t.equal(wrong.statusCode, 401)
  t.equal(wrong.body, unknown.body)
  t.equal(wrong.json().error, 'invalid_credentials')
  t.equal((await app.inject({ method: 'POST', url: '/v1/tokens', payload: { email } })).statusCode, 400)
  await app.inject({ method: 'POST', url: '/v1/tokens', payload: { email, password: 'not the password' } })
  const limited = await app.inject({ method: 'POST', url: '/v1/tokens', payload: { email, password: PASSWORD } })
  t.equal(limited.statusCode, 429, 'the account limit covers token logins too')
  t.ok(limited.headers['retry-after'])
})

t.test('refresh rotates; a spent token presented again revokes the whole family', async (t) => {
  const app = await buildTestApp(t)
  const email = newEmail()
  await register(app, email)
  const first = await tokenLogin(app, email)
  const second = await refresh(app, first.refresh_token)
  t.equal(second.statusCode, 201)
  const pair2: Pair = second.json()
  t.not(pair2.refresh_token, first.refresh_token)
  t.equal(pair2.refresh_token.split('.')[1], first.refresh_token.split('.')[1], 'same family')
  t.not(pair2.access_token, first.access_token)
  const third: Pair = (await refresh(app, pair2.refresh_token)).json()

  const reused = await refresh(app, first.refresh_token)
  t.equal(reused.statusCode, 401)
  t.same(reused.json().error, 'invalid_grant')
  t.equal((await refresh(app, third.refresh_token)).statusCode, 401, 'the live successor died with its family')

  const other = await tokenLogin(app, email)
  t.equal((await refresh(app, other.refresh_token)).statusCode, 201, 'another login (family) is unaffected')
})

t.test('N concurrent refreshes of one token create at most one live successor', async (t) => {
  const app = await buildTestApp(t)
  const email = newEmail()
  await register(app, email)
  const pair = await tokenLogin(app, email)
  const responses = await Promise.all(Array.from({ length: 10 }, () => refresh(app, pair.refresh_token)))
  const winners = responses.filter((r) => r.statusCode === 201)
  t.ok(winners.length <= 1, `${winners.length} successor(s) issued`)
  let live = 0
  for (const winner of winners) if ((await refresh(app, winner.json().refresh_token)).statusCode === 201) live++
  t.ok(live <= 1, 'at most one successor still works')
  t.ok(responses.every((r) => r.statusCode === 201 || r.statusCode === 401), 'every answer is 201 or 401')
})

t.test('refresh failures are 401 invalid_grant or 400', async (t) => {
  const app = await buildTestApp(t)
  for (const token of ['garbage', 'a'.repeat(22) + '.' + 'b'.repeat(43), '../../etc.passwd']) {
    const response = await refresh(app, token)
    t.equal(response.statusCode, 401, token)
    t.equal(response.json().error, 'invalid_grant')
  }
  for (const payload of [{}, { refresh_token: '' }, { refresh_token: 5 }, { refresh_token: 'x'.repeat(600) }]) {
    t.equal((await app.inject({ method: 'POST', url: '/v1/tokens/refresh', payload })).statusCode, 400, JSON.stringify(payload).slice(0, 40))
  }
})

t.test('revoke: the family dies, the Bearer jti is denied until exp, unknown tokens still get 204', async (t) => {
  const app = await buildTestApp(t)
  const email = newEmail()
  const user = await register(app, email)
  const pair = await tokenLogin(app, email)
  const claims = await verifyWithJwks(app, pair.access_token)
  const response = await app.inject({
    method: 'POST', url: '/v1/tokens/revoke', payload: { refresh_token: pair.refresh_token }, headers: { authorization: `Bearer ${pair.access_token}` }
  })
  t.equal(response.statusCode, 204)
  t.equal((await refresh(app, pair.refresh_token)).statusCode, 401)
  // The denylist keys as a verifier reads them: [MGET, jti's, family's, user-wide cut-off].
  const [, deniedJti] = denylistReadCommand({ sub: user.id, jti: claims.jti, fid: claims.fid })
  const ttl = await app.redis.pttl(deniedJti as string)
  t.ok(ttl > 890_000 && ttl <= 901_000, `jti denied until exp + JWT_CLOCK_LEEWAY (ttl ${ttl} ms)`)

  for (const token of [pair.refresh_token, 'unknown', 'a'.repeat(22) + '.' + 'b'.repeat(43)]) {
    const revoked = await app.inject({ method: 'POST', url: '/v1/tokens/revoke', payload: { refresh_token: token } })
    t.equal(revoked.statusCode, 204, 'RFC 7009: 204')
  }
  t.equal((await app.inject({ method: 'POST', url: '/v1/tokens/revoke', payload: {} })).statusCode, 400)
  const forged = await app.inject({
    method: 'POST', url: '/v1/tokens/revoke', payload: { refresh_token: 'x' }, headers: { authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.' }
  })
  t.equal(forged.statusCode, 204, 'a forged bearer is ignored, not a 500')
})

t.test('log out everywhere also revokes every refresh-token family and marks earlier tokens revoked', async (t) => {
  const app = await buildTestApp(t)
  const email = newEmail()
  const user = await register(app, email)
  const a = await tokenLogin(app, email)
  const b = await tokenLogin(app, email)
  const { cookie, csrfToken } = await sessionLogin(app, email)
  const response = await app.inject({ method: 'DELETE', url: '/v1/sessions', headers: { cookie, 'x-csrf-token': csrfToken } })
  t.equal(response.statusCode, 204)
  t.equal((await refresh(app, a.refresh_token)).statusCode, 401)
  t.equal((await refresh(app, b.refresh_token)).statusCode, 401)
  const [, , , revokedBefore] = denylistReadCommand({ sub: user.id, jti: 'any', fid: 'any' })
  const before = Number(await app.redis.get(revokedBefore as string))
  t.ok(before >= ((await verifyWithJwks(app, b.access_token)).iat_ms ?? Infinity), 'tokens issued so far fall before the revocation time (ms)')
  t.equal((await refresh(app, (await tokenLogin(app, email)).refresh_token)).statusCode, 201, 'a new login works afterwards')
})

t.test('key rotation: a token signed by the old key verifies while the old key is published', async (t) => {
  const now = Math.floor(Date.now() / 1000)
  const oldKey = generatePrivateJwk(now - 3600)
  const oldApp = await buildTestApp(t, { JWT_PRIVATE_KEYS: JSON.stringify({ keys: [oldKey] }) })
  const email = newEmail()
  await register(oldApp, email)
  const oldToken = (await tokenLogin(oldApp, email)).access_token

  const newKey = generatePrivateJwk(now - 60)
  const rotated = await buildTestApp(t, { JWT_PRIVATE_KEYS: JSON.stringify({ keys: [oldKey, newKey] }) })
  await register(rotated, email)
  const newToken = (await tokenLogin(rotated, email)).access_token
  const kidOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[0] as string, 'base64url').toString()).kid
  t.equal(kidOf(newToken), newKey.kid, 'the newest key signs')
  t.ok(await verifyWithJwks(rotated, oldToken), 'the old token still verifies against the published set')
  t.ok(await verifyWithJwks(rotated, newToken))
})

t.test('no access token, refresh token or password reaches the log', async (t) => {
  const app = await buildTestApp(t, { LOG_LEVEL: 'trace' })
  const email = newEmail()
  await register(app, email)
  const pair = await tokenLogin(app, email)
  const next: Pair = (await refresh(app, pair.refresh_token)).json()
  await refresh(app, pair.refresh_token) // reuse: logged as a warning
  await app.inject({ method: 'POST', url: '/v1/tokens/revoke', payload: { refresh_token: next.refresh_token }, headers: { authorization: `Bearer ${next.access_token}` } })
  const log = app.logs.join('')
  for (const secret of [PASSWORD, pair.access_token, next.access_token, pair.refresh_token.split('.')[2], next.refresh_token.split('.')[2]]) {
    t.notOk(log.includes(secret as string), `not logged: ${(secret as string).slice(0, 8)}…`)
  }
})
