import t from 'tap'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createPrivateKey, createSign } from 'node:crypto'
import { generatePrivateJwk, loadKeyRing } from '@authpair/keys'
import { JwksCache } from '../src/lib/jwks-cache.js'

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

function sign (jwk: ReturnType<typeof generatePrivateJwk>, claims: Record<string, unknown>): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
  const input = `${encode({ alg: 'RS256', typ: 'at+jwt', kid: jwk.kid })}.${encode(claims)}`
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
  const cache = new JwksCache(url, options, 60_000)
  t.teardown(() => cache.close())
  await cache.start(() => {})
  t.equal(state.fetches, 1)
  const verify = await cache.verifierFor(known.kid)
  t.ok(verify !== undefined, 'the published key verifies')
  t.equal(verify?.(sign(known, claimsNow())).sub, 'u1')
  for (let i = 0; i < 20; i++) t.equal(await cache.verifierFor(`forged-${i}`), undefined)
  t.equal(state.fetches, 1, 'twenty unknown kids inside the cooldown: no refetch')
})
