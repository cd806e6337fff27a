// The three ways a verifier checks revocations, against a real Redis: off, denylist, push (healthy, and
// with its subscriber silent behind a fault proxy).
import t, { type Test } from 'tap'
import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { Redis } from 'ioredis'
import { FaultProxy, OwnRedis, SHARED_REDIS_URL, uniquePrefix } from '@authpair/testing'
import {
  denylistCheck, noRevocationCheck, publishRevocation, PushRevocationCheck, type RevocableClaims, type RevocationCheck
} from '../src/index.js'

type Tap = Test

/** A client set up as the services' (no offline queue, reconnecting), connected. */
async function client (t: Tap, url: string, keyPrefix: string): Promise<Redis> {
  const redis = new Redis(url, {
    keyPrefix, connectionName: 'revocation-test', lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => 50
  })
  redis.on('error', () => {})
  t.teardown(() => { redis.disconnect() })
  await redis.connect()
  return redis
}

/** Claims of a token issued `agoMs` ago for `sub`, living 15 minutes. */
function claims (sub: string, agoMs = 0): RevocableClaims & { exp: number } {
  const issuedMs = Date.now() - agoMs
  const iat = Math.floor(issuedMs / 1000)
  return { sub, jti: randomUUID(), fid: randomUUID(), iat, iat_ms: issuedMs, exp: iat + 900 }
}

/** Publishes each kind of revocation for a fresh user, and answers which tokens each should refuse. */
async function publishEachKind (redis: Redis, keyPrefix: string) {
  const sub = randomUUID()
  const byJti = claims(sub)
  const byFamily = claims(sub)
  const before = claims(sub, 5)
  await publishRevocation(redis, keyPrefix, { kind: 'jti', sub, jti: byJti.jti, exp: byJti.exp })
  await publishRevocation(redis, keyPrefix, { kind: 'family', sub, fid: byFamily.fid, exp: byFamily.exp })
  const cutMs = Date.now()
  await publishRevocation(redis, keyPrefix, { kind: 'user', sub, beforeMs: cutMs, exp: byJti.exp })
  const after = { ...claims(sub), iat: Math.floor((cutMs + 1) / 1000), iat_ms: cutMs + 1 }
  const sameSecondNoMs = { ...claims(sub), iat: Math.floor(cutMs / 1000), iat_ms: undefined }
  return { refused: { byJti, byFamily, before, sameSecondNoMs }, accepted: { after, otherUser: claims(randomUUID()) } }
}

async function assertDecisions (t: Tap, check: RevocationCheck, tokens: Awaited<ReturnType<typeof publishEachKind>>) {
  for (const [name, token] of Object.entries(tokens.refused)) t.equal(await check.isRevoked(token), true, `refused: ${name}`)
  for (const [name, token] of Object.entries(tokens.accepted)) t.equal(await check.isRevoked(token), false, `accepted: ${name}`)
}

t.test('off: nothing is ever refused', async (t) => {
  const keyPrefix = uniquePrefix('revocation')
  const tokens = await publishEachKind(await client(t, SHARED_REDIS_URL, keyPrefix), keyPrefix)
  for (const token of [...Object.values(tokens.refused), ...Object.values(tokens.accepted)]) {
    t.equal(noRevocationCheck.isRevoked(token), false)
  }
})

t.test('denylist: each kind of revocation, at the millisecond', async (t) => {
  const keyPrefix = uniquePrefix('revocation')
  const redis = await client(t, SHARED_REDIS_URL, keyPrefix)
  await assertDecisions(t, denylistCheck(redis), await publishEachKind(redis, keyPrefix))
})

t.test('denylist with Redis down: fail-closed throws (503), fail-open accepts and says so', async (t) => {
  const own = await OwnRedis.start()
  t.teardown(async () => { await own.stop() })
  const redis = await client(t, own.url, 'down:')
  await redis.ping()
  await own.kill()
  await sleep(50)
  await t.rejects(async () => await denylistCheck(redis).isRevoked(claims('u')), 'fail-closed')
  let unchecked = 0
  t.equal(await denylistCheck(redis, { failOpen: true, onUnchecked: () => { unchecked++ } }).isRevoked(claims('u')), false)
  t.equal(unchecked, 1, 'fail-open reports the unchecked token')
})

t.test('push: what was published before it started, and after, is refused from memory', async (t) => {
  const keyPrefix = uniquePrefix('revocation')
  const redis = await client(t, SHARED_REDIS_URL, keyPrefix)
  const earlier = await publishEachKind(redis, keyPrefix)
  const push = await PushRevocationCheck.start(redis, {
    keyPrefix, stalenessMaxMs: 2000, fallback: denylistCheck(redis), onError: () => {}
  })
  t.teardown(async () => { await push.close() })
  t.ok(push.trusted, 'trusted once subscribed and loaded')
  await assertDecisions(t, push, earlier)
  const later = await publishEachKind(redis, keyPrefix)
  await sleep(50)
  const mgets = async () => Number(/cmdstat_mget:calls=(\d+)/.exec(await redis.info('commandstats'))?.[1] ?? 0)
  const before = await mgets()
  await assertDecisions(t, push, later)
  // Other suites share this Redis: a denylist read per token would add at least 6 MGETs.
  t.ok(await mgets() - before < 6, 'decided from memory, not from Redis')
})

t.test('push: a silent subscriber stops being trusted within the bound, and the denylist answers meanwhile', async (t) => {
  const own = await OwnRedis.start()
  t.teardown(async () => { await own.stop() })
  const proxy = new FaultProxy({ host: '127.0.0.1', port: own.port })
  const proxied = await proxy.listen()
  t.teardown(async () => { await proxy.close() })
  const keyPrefix = 'push:'
  const redis = await client(t, proxied, keyPrefix)
  const publisher = await client(t, own.url, keyPrefix)
  const changes: boolean[] = []
  const boundMs = 1000
  const push = await PushRevocationCheck.start(redis, {
    keyPrefix,
    stalenessMaxMs: boundMs,
    fallback: denylistCheck(redis),
    onError: () => {},
    onTrustChange: (trusted) => changes.push(trusted)
  })
  t.teardown(async () => { await push.close() })

  t.same(changes.splice(0), [true], 'trusted once subscribed and loaded')
  t.equal(proxy.apply({ kind: 'silent', serverSide: 'open' }, 'revocation-test:revocations'), 1, 'the subscriber is cut')
  const silentAt = Date.now()
  const tokens = await publishEachKind(publisher, keyPrefix)
  // Until the bound, what it holds may still answer (the revocations never arrive); from then on, the denylist.
  while (push.trusted && Date.now() - silentAt < 3 * boundMs) await sleep(5)
  t.ok(Date.now() - silentAt <= boundMs, `untrusted within the bound (${Date.now() - silentAt} ms)`)
  await assertDecisions(t, push, tokens)
  while (changes.length === 0 && Date.now() - silentAt < 3 * boundMs) await sleep(5)
  t.equal(changes[0], false, 'the loss was reported')
  while (!push.trusted && Date.now() - silentAt < 5 * boundMs) await sleep(10)
  t.ok(push.trusted, 'resubscribed and reloaded on a new connection')
  t.same(changes, [false, true])
  await assertDecisions(t, push, tokens)
})
