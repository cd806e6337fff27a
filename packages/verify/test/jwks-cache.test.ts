import t from 'tap'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createPrivateKey, createSign } from 'node:crypto'
import { generatePrivateJwk, loadKeyRing } from '@authpair/keys'
import { setTimeout as sleep } from 'node:timers/promises'
import { JwksCache } from '../src/jwks-cache.js'

const options = { issuer: 'https://issuer.test', audience: 'authpair', clockLeewaySeconds: 1 }

/** A JWKS endpoint whose key set and availability the test changes, counting the fetches it serves. */
async function jwksServer (t: { teardown: (fn: () => void) => void }) {
  const state = { keys: [] as unknown[], up: true, fetches: 0, maxAge: 300 }
  const server = createServer((request, response) => {
    if (!state.up) { response.writeHead(503).end(); return }
    state.fetches++
    response.writeHead(200, { 'content-type': 'application/json', 'cache-control': `public, max-age=${state.maxAge}` })
    response.end(JSON.stringify({ keys: state.keys }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { server.close() })
  return { state, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json` }
}

function sign (jwk: ReturnType<typeof generatePrivateJwk>, claims: Record<string, unknown>, header = {}): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
  const input = `${encode({ alg: 'RS256', typ: 'at+jwt', kid: jwk.kid, ...header })}.${encode(claims)}`
  return `${input}.${createSign('RSA-SHA256').update(input).sign(createPrivateKey({ key: jwk, format: 'jwk' })).toString('base64url')}`
}

const claimsNow = (extra: Record<string, unknown> = {}) => {
  const now = Math.floor(Date.now() / 1000)
  return { iss: options.issuer, aud: options.audience, sub: 'u1', jti: 'j1', name: 'A', email: 'a@example.com', iat: now, exp: now + 60, ...extra }
}

async function publicKeys (...jwks: Array<ReturnType<typeof generatePrivateJwk>>) {
  return (await loadKeyRing({ jwksJson: JSON.stringify({ keys: jwks }), generateIfMissing: false })).jwks().keys
}

t.test('an unknown kid refetches the set at most once per cooldown', async (t) => {
  const { state, url } = await jwksServer(t)
  const known = generatePrivateJwk()
  state.keys = await publicKeys(known)
  const cache = new JwksCache(url, options, { cooldownMs: 60_000, onError: () => {} })
  t.teardown(() => cache.close())
  await cache.start()
  t.equal(state.fetches, 1)
  const verify = await cache.verifierFor(known.kid)
  t.ok(verify !== undefined, 'the published key verifies')
  t.equal(verify?.(sign(known, claimsNow())).sub, 'u1')
  for (let i = 0; i < 20; i++) t.equal(await cache.verifierFor(`forged-${i}`), undefined)
  t.equal(state.fetches, 1, 'twenty unknown kids inside the cooldown: no refetch')
})

t.test('a key removed from the set stops verifying at the age the set was served with', async (t) => {
  const { state, url } = await jwksServer(t)
  const leaving = generatePrivateJwk()
  const staying = generatePrivateJwk()
  state.keys = await publicKeys(leaving, staying)
  state.maxAge = 1
  const removed: string[][] = []
  const cache = new JwksCache(url, options, { cooldownMs: 60_000, onError: () => {} })
  cache.onKeysRemoved((kids) => removed.push(kids))
  t.teardown(() => cache.close())
  await cache.start()
  t.ok(await cache.verifierFor(leaving.kid), 'both keys verify at first')

  state.keys = await publicKeys(staying)
  await sleep(1300)
  t.equal(await cache.verifierFor(leaving.kid), undefined, 'the removed key is gone after max-age, with no request asking')
  t.ok(await cache.verifierFor(staying.kid), 'the other key still verifies')
  t.same(removed, [[leaving.kid]], 'listeners heard which key left')
  t.ok(state.fetches >= 2 && state.fetches <= 3, `refreshed at the served age (${state.fetches} fetches in 1.3 s)`)
})

t.test('while the JWKS is unreachable the last good set keeps serving, and the outage is reported', async (t) => {
  const { state, url } = await jwksServer(t)
  const key = generatePrivateJwk()
  state.keys = await publicKeys(key)
  state.maxAge = 1
  const errors: unknown[] = []
  const cache = new JwksCache(url, options, { cooldownMs: 200, onError: (error) => errors.push(error) })
  t.teardown(() => cache.close())
  await cache.start()
  state.up = false
  await sleep(1500)
  t.ok(errors.length >= 1, `the failed refreshes were reported (${errors.length})`)
  t.ok(await cache.verifierFor(key.kid), 'the last good key still verifies')
  state.up = true
  state.keys = []
  await sleep(400)
  t.equal(await cache.verifierFor(key.kid), undefined, 'within a cooldown of the JWKS answering again, the new set rules')
})

t.test('tokens must be access tokens (typ at+jwt) with iss and aud', async (t) => {
  const { state, url } = await jwksServer(t)
  const key = generatePrivateJwk()
  state.keys = await publicKeys(key)
  const cache = new JwksCache(url, options, { cooldownMs: 60_000, onError: () => {} })
  t.teardown(() => cache.close())
  await cache.start()
  const verify = await cache.verifierFor(key.kid) as (token: string) => Record<string, unknown>
  t.equal(verify(sign(key, claimsNow())).sub, 'u1')
  const { iss: _iss, aud: _aud, ...bare } = claimsNow()
  t.throws(() => verify(sign(key, { ...bare, aud: options.audience })), 'no iss: refused')
  t.throws(() => verify(sign(key, { ...bare, iss: options.issuer })), 'no aud: refused')
  t.throws(() => verify(sign(key, claimsNow(), { typ: 'JWT' })), 'typ JWT: refused')
})

t.test('waiting for the auth service at start: one line, not an error per retry, and one when the keys come', async (t) => {
  const { state, url } = await jwksServer(t)
  state.up = false
  state.keys = await publicKeys(generatePrivateJwk())
  const errors: unknown[] = []
  const events: string[] = []
  const cache = new JwksCache(url, options, {
    cooldownMs: 60_000,
    onError: (error) => errors.push(error),
    onWaiting: (event, reason) => events.push(`${event}${reason === undefined ? '' : `: ${reason}`}`),
    patienceMs: 250
  })
  t.teardown(() => { cache.close() })
  await cache.start()
  await sleep(700) // retries 100, 300 and 700 ms after the first: all fail
  t.equal(events.length, 2, 'said once, and once more past its patience')
  t.match(events, [/^waiting: JWKS at .+ answered 503$/, /^still-waiting: JWKS at .+ answered 503$/])
  t.same(errors, [], 'no error (and no stack trace) per failed retry')
  state.up = true
  await sleep(1000)
  t.equal(events.at(-1), 'loaded', 'and once when the keys came')
  t.same(errors, [])
})
