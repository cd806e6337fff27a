// The profile app as production builds it: what it serves, and what only a benchmark run adds.
import t, { type Test } from 'tap'
import { deletePrefix, SHARED_REDIS_URL, uniquePrefix } from '@authpair/testing'
import { buildApp } from '../src/app.js'
import { loadProfileConfig } from '../src/config.js'

async function profile (t: Test, env: Record<string, string> = {}) {
  const keyPrefix = uniquePrefix('profile')
  // No auth service answers here: tokens would get 503 until one does; sessions and the routes work.
  const app = await buildApp(loadProfileConfig({
    REDIS_URL: SHARED_REDIS_URL, REDIS_KEY_PREFIX: keyPrefix, LOG_LEVEL: 'silent', AUTH_URL: 'http://127.0.0.1:9', ...env
  }))
  t.teardown(async () => {
    await app.close()
    await deletePrefix(SHARED_REDIS_URL, keyPrefix)
  })
  return app
}

t.test('/bench/bare, the benchmarks\' ceiling, exists only with BENCH_ROUTES=true', async (t) => {
  const production = await profile(t)
  t.equal((await production.inject('/bench/bare')).statusCode, 404, 'not served by default')
  const bench = await profile(t, { BENCH_ROUTES: 'true' })
  t.same((await bench.inject('/bench/bare')).json(), { ok: true })
})

t.test('a token before any signing key is known: 503 store_unavailable; no credential: 401 with the challenge', async (t) => {
  const app = await profile(t)
  const token = await app.inject({ url: '/v1/me', headers: { authorization: 'Bearer a.b.c' } })
  t.equal(token.statusCode, 401, 'a malformed token is refused whatever the keys')
  const unknown = await app.inject({ url: '/v1/me', headers: { authorization: 'Bearer eyJraWQiOiJrIn0.e30.c2ln' } })
  t.equal(unknown.statusCode, 503)
  t.equal(unknown.json().error, 'store_unavailable')
  const none = await app.inject('/v1/me')
  t.equal(none.statusCode, 401)
  t.equal(none.headers['www-authenticate'], 'Bearer realm="authpair"', 'the RFC 6750 challenge, set by the verify plugin')
})
