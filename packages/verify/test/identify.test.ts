// The verifier on its own, as a service without Fastify uses it (examples/notes/src/plain-http.ts): nothing in
// this process registers a cookie plugin, so the Cookie header is parsed by the verifier itself.
import t from 'tap'
import { createHmac } from 'node:crypto'
import { Redis } from 'ioredis'
import { Registry } from 'prom-client'
import { sampleRecord, SessionStore } from '@authpair/session-store'
import { SHARED_REDIS_URL, uniquePrefix } from '@authpair/testing'
import { CredentialVerifier, VerifyError } from '../src/index.js'

const SECRET = 'a'.repeat(32)
/** The cookie value the auth service's @fastify/session sets: the id, a dot, its HMAC-SHA256 in unpadded base64. */
const signed = (sessionId: string) => encodeURIComponent(`${sessionId}.${createHmac('sha256', SECRET).update(sessionId).digest('base64').replace(/=+$/, '')}`)

t.test('a session cookie is read without any cookie plugin in the process', async (t) => {
  const redis = new Redis(SHARED_REDIS_URL, { keyPrefix: uniquePrefix('identify') })
  t.teardown(() => { redis.disconnect() })
  // No auth service: sessions work without the signing keys.
  const metrics = new Registry()
  const verifier = await CredentialVerifier.start({
    authUrl: 'http://127.0.0.1:9', redis, sessionSecret: SECRET, issuer: 'https://issuer.test', audience: 'authpair', metrics
  })
  t.teardown(async () => { await verifier.close() })
  const refusal = async (cookie: string) => await verifier.identify({ cookie }).then(
    () => 'accepted', (error: unknown) => error instanceof VerifyError ? `${error.statusCode} ${error.message}` : `not a VerifyError: ${String(error)}`)
  t.match(await refusal('sid=s%3Aforged.signature'), /^401 /, 'a forged session cookie is a 401, not a crash')
  t.match(await refusal('theme=dark'), /^401 Send a Bearer access token or the sid session cookie/, 'no session cookie among others')

  const record = sampleRecord('user-one')
  await new SessionStore(redis, { idleTtlMs: 60_000, absoluteTtlMs: 600_000 }).save('session-one', record)
  for (let i = 0; i < 3; i++) {
    const identity = await verifier.identify({ cookie: `theme=dark; sid=${signed('session-one')}` })
    t.same([identity.id, identity.auth], [record.userId, 'session'], 'a live session, among other cookies')
  }
  const exported = await metrics.metrics()
  t.match(exported, /authpair_auth_decisions_total\{auth="session",mode="session",outcome="accepted"\} 3/, 'each acceptance counted')
  t.match(exported, /authpair_auth_decisions_total\{auth="session",mode="session",outcome="refused"\} 1/, "the forged cookie's refusal counted")
  t.match(await metrics.metrics(), /outcome="accepted"\} 3/, 'counted once, however often scraped')
})
