// `pnpm bench:jwt`: sign and verify per algorithm through fast-jwt, the library under @fastify/jwt,
// with the options the services use. One core, one process; prints operations per second.
import { generateKeyPairSync } from 'node:crypto'
import { createSigner, createVerifier } from 'fast-jwt'

const algorithms = [
  { alg: 'RS256', pair: () => generateKeyPairSync('rsa', { modulusLength: 2048 }) },
  { alg: 'ES256', pair: () => generateKeyPairSync('ec', { namedCurve: 'P-256' }) },
  { alg: 'EdDSA', pair: () => generateKeyPairSync('ed25519') }
] as const

const claims = { sub: '3f1c1b9e-7a35-4a0e-9c3e-2f0a8a4f5b6c', name: 'Ann Example', email: 'ann@example.com', jti: 'x'.repeat(22) }

function rate (label: string, work: () => unknown, ms = 1500): number {
  for (let i = 0; i < 50; i++) work() // warm up
  let n = 0
  const start = performance.now()
  while (performance.now() - start < ms) { work(); n++ }
  return Math.round(n / ((performance.now() - start) / 1000))
}

console.log('alg    sign/s   verify/s   token bytes')
for (const { alg, pair } of algorithms) {
  const { privateKey, publicKey } = pair()
  const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }) as string
  const sign = createSigner({ key: privatePem, algorithm: alg, kid: 'k1', iss: 'http://127.0.0.1:3001', aud: 'authpair', expiresIn: 900_000 })
  const verify = createVerifier({ key: publicPem, algorithms: [alg], allowedIss: 'http://127.0.0.1:3001', allowedAud: 'authpair', cache: false })
  const token = sign({ ...claims })
  const signs = rate(`${alg} sign`, () => sign({ ...claims }))
  const verifies = rate(`${alg} verify`, () => verify(token))
  console.log(`${alg.padEnd(6)} ${String(signs).padStart(7)} ${String(verifies).padStart(10)} ${String(token.length).padStart(13)}`)
}
