import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { tamper } from '@authpair/testing'
import { me, post, registerUser, signedToken, startSystem, tokens, waitFor, type System } from './helpers.js'

// The token lifecycle over real HTTP and a real Redis: theft detection, revocations kept as long as a
// verifier would accept the token, claims as strict as the contract, and the HTTP conventions of RFC 6750,
// RFC 7009 and RFC 9110. Keys leaving the JWKS: key-rotation.test.ts.

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
const refresh = async (system: System, token: string) => await post(`${system.auth}/v1/tokens/refresh`, { refresh_token: token })
/** Push delivers over pub/sub: a refusal may take a moment to arrive. */
const refusedSoon = async (system: System, token: string) =>
  await waitFor(async () => (await me(system, bearer(token))).status === 401, 1000)

for (const mode of ['denylist', 'push']) {
  t.test(`${mode}: replaying a spent refresh token kills every access token its family minted, and only those`, async (t) => {
    const system = await startSystem(t, { TOKEN_REVOCATION: mode })
    const email = await registerUser(system)
    const first = await tokens(system, email)
    const second = await (await refresh(system, first.refresh_token)).json() as { access_token: string }
    const elsewhere = await tokens(system, email)
    t.equal((await me(system, bearer(first.access_token))).status, 200, 'the thief and the owner both hold working tokens')
    t.equal((await me(system, bearer(second.access_token))).status, 200)

    t.equal((await refresh(system, first.refresh_token)).status, 401, 'the replay is refused')
    t.ok(await refusedSoon(system, first.access_token), 'the first access token of the family is refused')
    t.ok(await refusedSoon(system, second.access_token), 'and the one its rotation minted')
    t.equal((await me(system, bearer(elsewhere.access_token))).status, 200, 'the same user\'s other login keeps working')
  })

  t.test(`${mode}: revoking a refresh token denies its family's access tokens, even without the Bearer`, async (t) => {
    const system = await startSystem(t, { TOKEN_REVOCATION: mode })
    const pair = await tokens(system, await registerUser(system))
    t.equal((await post(`${system.auth}/v1/tokens/revoke`, { refresh_token: pair.refresh_token })).status, 204)
    t.ok(await refusedSoon(system, pair.access_token), 'the access token is refused')
  })

  t.test(`${mode}: a revoked token stays refused for the whole clock leeway past its exp`, async (t) => {
    // Tokens live 2 s, and verifiers accept them 4 s more: the revocation must outlive both.
    const system = await startSystem(t, { TOKEN_REVOCATION: mode, ACCESS_TOKEN_TTL: '2', JWT_CLOCK_LEEWAY: '4' })
    const pair = await tokens(system, await registerUser(system))
    t.equal((await me(system, bearer(pair.access_token))).status, 200)
    const revoked = await post(`${system.auth}/v1/tokens/revoke`, { refresh_token: 'none' }, bearer(pair.access_token))
    t.equal(revoked.status, 204)
    t.ok(await refusedSoon(system, pair.access_token), 'refused at once')
    await sleep(3000) // past exp, inside the leeway: the signature check alone would accept it again
    t.equal((await me(system, bearer(pair.access_token))).status, 401, 'still refused after exp, inside the leeway')
  })
}

t.test('claims are as strict as the contract', async (t) => {
  const system = await startSystem(t, { ACCESS_TOKEN_TTL: '900', JWT_CLOCK_LEEWAY: '1' })
  const now = Math.floor(Date.now() / 1000)
  const good = {
    iss: 'http://127.0.0.1:3001', aud: 'authpair', sub: 'u1', jti: 'j1', fid: 'f1', name: 'A', email: 'a@example.com', iat: now, exp: now + 60
  }
  const status = async (claims: Record<string, unknown>, header: Record<string, unknown> = {}) =>
    (await me(system, bearer(signedToken(claims, header)))).status
  t.equal(await status(good), 200, 'the control token is accepted')
  const { iss: _iss, ...noIss } = good
  const { aud: _aud, ...noAud } = good
  const { fid: _fid, ...noFid } = good
  t.equal(await status(noIss), 401, 'no iss')
  t.equal(await status(noAud), 401, 'no aud')
  t.equal(await status(noFid), 401, 'no fid')
  t.equal(await status(good, { typ: 'JWT' }), 401, 'typ JWT: not an access token')
  t.equal(await status({ ...good, iat: now + 30, exp: now + 90 }), 401, 'issued in the future, beyond the leeway')
  t.equal(await status({ ...good, exp: now + 901 }), 401, 'lives longer than ACCESS_TOKEN_TTL')
  t.equal(await status({ ...good, iat: now - 100, exp: now + 800 }), 200, 'exactly the TTL is fine')
})

t.test('a refresh-token family ends at REFRESH_FAMILY_MAX_AGE however often it rotates', async (t) => {
  const system = await startSystem(t, { REFRESH_FAMILY_MAX_AGE: '2' })
  let token = (await tokens(system, await registerUser(system))).refresh_token
  for (let i = 0; i < 2; i++) {
    await sleep(700)
    const rotated = await refresh(system, token)
    t.equal(rotated.status, 201, `rotation ${i + 1} inside the family's life`)
    token = (await rotated.json() as { refresh_token: string }).refresh_token
  }
  await sleep(800)
  t.equal((await refresh(system, token)).status, 401, 'past the absolute lifetime: refused, though used a moment ago')
})

t.test('HTTP conventions real clients rely on', async (t) => {
  const system = await startSystem(t, { TOKEN_REVOCATION: 'denylist' })
  const email = await registerUser(system)
  const pair = await tokens(system, email)

  t.equal((await me(system, { authorization: `bearer ${pair.access_token}` })).status, 200, 'the scheme is case-insensitive')
  t.equal((await me(system, { authorization: `BEARER ${pair.access_token}` })).status, 200)

  const missing = await me(system, {})
  t.equal(missing.headers.get('www-authenticate'), 'Bearer realm="authpair"', 'no credential: the bare challenge')
  const basic = await me(system, { authorization: 'Basic dTpw' })
  t.equal(basic.headers.get('www-authenticate'), 'Bearer realm="authpair"', 'another scheme: the bare challenge')
  const bad = await me(system, bearer(tamper(pair.access_token, -4)))
  t.equal(bad.status, 401)
  t.equal(bad.headers.get('www-authenticate'), 'Bearer realm="authpair", error="invalid_token"', 'a bad token: invalid_token')
  const expired = signedToken({
    iss: 'http://127.0.0.1:3001', aud: 'authpair', sub: 'u1', jti: 'j', fid: 'f', name: 'A', email: 'a@example.com', iat: 1, exp: 2
  })
  t.equal((await me(system, bearer(expired))).headers.get('www-authenticate'), 'Bearer realm="authpair", error="invalid_token"')

  // A lower-case scheme on revoke still denies the access token.
  const revoked = await post(`${system.auth}/v1/tokens/revoke`, { refresh_token: 'none' }, { authorization: `bearer ${pair.access_token}` })
  t.equal(revoked.status, 204)
  t.equal((await me(system, bearer(pair.access_token))).status, 401, 'revoke read the lower-case Bearer')

  // RFC 7009: a stock OAuth client revokes with a form body.
  const other = await tokens(system, email)
  const form = await fetch(`${system.auth}/v1/tokens/revoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: other.refresh_token, token_type_hint: 'refresh_token' })
  })
  t.equal(form.status, 204, 'form-encoded revoke')
  t.equal((await refresh(system, other.refresh_token)).status, 401, 'the family is revoked')
  t.equal((await me(system, bearer(other.access_token))).status, 401, 'and its access token denied')
  const twice = await fetch(`${system.auth}/v1/tokens/revoke`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'token=a&token=b'
  })
  t.equal(twice.status, 400, 'a parameter sent twice is a 400')
  t.equal((await twice.json() as { error: string }).error, 'invalid_request')
  const none = await fetch(`${system.auth}/v1/tokens/revoke`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'token_type_hint=refresh_token'
  })
  t.equal(none.status, 400, 'no token: 400')
})
