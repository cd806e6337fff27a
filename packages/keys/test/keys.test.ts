import t from 'tap'
import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generatePrivateJwk, loadKeyRing } from '../src/index.js'

t.test('development: the first start generates a private key file (0600) and later starts reuse it', async (t) => {
  const dir = join(mkdtempSync(join(tmpdir(), 'keys-')), 'nested')
  const first = await loadKeyRing({ dir, generateIfMissing: true })
  const files = readdirSync(dir)
  t.equal(files.length, 1)
  t.equal(statSync(join(dir, files[0] as string)).mode & 0o777, 0o600)
  const second = await loadKeyRing({ dir, generateIfMissing: true })
  t.equal(second.signingKey().kid, first.signingKey().kid)
})

t.test('production: no key is an error that says how to make one', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'keys-'))
  await t.rejects(loadKeyRing({ dir, generateIfMissing: false }), /No JWT signing key found.*pnpm keys:new/)
})

t.test('the JWKS holds public halves only, with kid, alg and use', async (t) => {
  const jwksJson = JSON.stringify({ keys: [generatePrivateJwk(), generatePrivateJwk()] })
  const ring = await loadKeyRing({ jwksJson, generateIfMissing: false })
  const { keys } = ring.jwks()
  t.equal(keys.length, 2)
  for (const key of keys) {
    t.match(key, { kty: 'RSA', alg: 'RS256', use: 'sig', kid: /^[\w-]{43}$/, n: /./, e: 'AQAB' })
    for (const privatePart of ['d', 'p', 'q', 'dp', 'dq', 'qi']) t.notOk(privatePart in key, `no ${privatePart}`)
  }
})

t.test('the newest active key signs; a key published ahead of its time only verifies', async (t) => {
  const now = Math.floor(Date.now() / 1000)
  const old = generatePrivateJwk(now - 3600)
  const current = generatePrivateJwk(now - 60)
  const upcoming = generatePrivateJwk(now + 600)
  const dir = mkdtempSync(join(tmpdir(), 'keys-'))
  for (const jwk of [old, current, upcoming]) writeFileSync(join(dir, `${jwk.kid}.jwk.json`), JSON.stringify(jwk))
  const ring = await loadKeyRing({ dir, generateIfMissing: false })
  t.equal(ring.signingKey().kid, current.kid)
  t.equal(ring.signingKey(now + 601).kid, upcoming.kid)
  t.equal(ring.jwks().keys.length, 3, 'all three are published')
  t.ok(ring.find(old.kid))
})
