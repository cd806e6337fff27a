// Revocation under partial network faults: one of the profile's Redis connections goes silent (socket
// open, bytes dropped), or all of them are cut and come back. For each mode a revocation made during the
// fault must be refused within REVOCATION_STALENESS_MAX_MS, and valid credentials must work again once
// the fault heals. The profile reaches Redis through a FaultProxy; the auth service does not.
import t, { type Test } from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { FaultProxy, type Fault } from '@authpair/testing'
import { anotherProfile, me, post, registerUser, session, startSystem, tokens, waitFor, type System } from './helpers.js'

const BOUND_MS = 2000
// One poll's round trip and the poll interval: the lag is measured from outside, through HTTP.
const MEASURING_SLACK_MS = 300

type Tap = Test

/** The system, plus a profile instance whose every Redis connection goes through a fault proxy. */
async function systemBehindProxy (t: Tap, env: Record<string, string>): Promise<{ system: System, proxy: FaultProxy }> {
  const direct = await startSystem(t, env)
  const redisUrl = new URL(direct.env.REDIS_URL as string)
  const proxy = new FaultProxy({ host: redisUrl.hostname, port: Number(redisUrl.port) })
  const proxied = await proxy.listen()
  t.teardown(async () => { await proxy.close() })
  const system = await anotherProfile(t, direct, {
    ...env, REDIS_URL: proxied, REVOCATION_STALENESS_MAX_MS: String(BOUND_MS)
  })
  return { system, proxy }
}

/**
 * Milliseconds from the revocation's answer until `credential` is first refused at the profile (401, or
 * 503 where the mode fails closed), then checks that it is never accepted again for `watchMs`.
 */
async function lagUntilRefused (
  t: Tap, system: System, headers: Record<string, string>, revoke: () => Promise<Response>, watchMs = 1500
): Promise<number> {
  const revoked = await revoke()
  t.equal(revoked.status, 204, 'the revocation succeeded at the auth service')
  const start = performance.now()
  let lag = -1
  const deadline = start + BOUND_MS + MEASURING_SLACK_MS + watchMs
  while (performance.now() < deadline) {
    const status = (await me(system, headers)).status
    if (status !== 200 && lag < 0) lag = performance.now() - start
    if (status === 200 && lag >= 0) {
      t.fail(`accepted again ${(performance.now() - start).toFixed(0)} ms after the revocation`)
      break
    }
    await sleep(25)
  }
  t.comment(`refused ${lag.toFixed(0)} ms after the revocation (bound ${BOUND_MS} ms)`)
  t.ok(lag >= 0 && lag <= BOUND_MS + MEASURING_SLACK_MS, `refused within the bound (${lag.toFixed(0)} ms)`)
  return lag
}

const healed = async (system: System, headers: Record<string, string>) =>
  await waitFor(async () => (await me(system, headers)).status === 200, 10_000)

const logout = (system: System, cookie: string) => async () =>
  await fetch(`${system.auth}/v1/sessions/current`, { method: 'DELETE', headers: { cookie } })

const revokeToken = (system: System, pair: { access_token: string, refresh_token: string }) => async () =>
  await post(`${system.auth}/v1/tokens/revoke`, { refresh_token: pair.refresh_token }, { authorization: `Bearer ${pair.access_token}` })

/** A session request served once (so a cache holds it), and a second valid session for after the fault. */
async function cachedSessions (system: System) {
  const email = await registerUser(system)
  const revoked = await session(system, email)
  const valid = await session(system, email)
  for (const { cookie } of [revoked, valid, revoked, valid]) {
    if ((await me(system, { cookie })).status !== 200) throw new Error('a fresh session was refused')
  }
  return { email, revoked, valid }
}

async function tokenPairs (system: System) {
  const email = await registerUser(system)
  const revoked = await tokens(system, email)
  const valid = await tokens(system, email)
  for (const pair of [revoked, valid]) {
    if ((await me(system, { authorization: `Bearer ${pair.access_token}` })).status !== 200) throw new Error('a fresh token was refused')
  }
  return { email, revoked, valid }
}

const silentClosed: Fault = { kind: 'silent', serverSide: 'closed' }
const silentOpen: Fault = { kind: 'silent', serverSide: 'open' }

t.test('session+tracking, fail-closed: the tracked reader goes silent and Redis drops it', async (t) => {
  const { system, proxy } = await systemBehindProxy(t, { SESSION_CACHE: 'tracking' })
  const { revoked, valid } = await cachedSessions(system)
  t.equal(proxy.apply(silentClosed, /:session-cache$/), 1, 'the reader connection is cut')
  await lagUntilRefused(t, system, { cookie: revoked.cookie }, logout(system, revoked.cookie))
  t.ok(await healed(system, { cookie: valid.cookie }), 'a valid session is served again')
})

t.test('session+tracking, fail-closed: the invalidation connection goes silent', async (t) => {
  const { system, proxy } = await systemBehindProxy(t, { SESSION_CACHE: 'tracking' })
  const { revoked, valid } = await cachedSessions(system)
  t.equal(proxy.apply(silentOpen, /:invalidations$/), 1, 'the invalidation connection is cut')
  await lagUntilRefused(t, system, { cookie: revoked.cookie }, logout(system, revoked.cookie))
  t.ok(await healed(system, { cookie: valid.cookie }), 'a valid session is served again')
})

t.test('session+tracking, serve-cached: the profile alone is cut off from Redis', async (t) => {
  const maxStaleMs = 3000
  const { system, proxy } = await systemBehindProxy(t, {
    SESSION_CACHE: 'tracking', SESSION_CACHE_WHEN_STORE_DOWN: 'serve-cached', SESSION_CACHE_MAX_STALE_MS: String(maxStaleMs)
  })
  const { revoked } = await cachedSessions(system)
  proxy.refuseNew(true)
  const cut = performance.now()
  t.ok(proxy.apply(silentOpen) >= 3, 'every profile connection is cut')
  const response = await fetch(`${system.auth}/v1/sessions/current`, { method: 'DELETE', headers: { cookie: revoked.cookie } })
  t.equal(response.status, 204, 'the logout succeeds at the auth service, which still reaches Redis')
  // serve-cached keeps answering from memory while it cannot check, but never past its ceiling.
  let lastAccepted = 0
  while (performance.now() - cut < maxStaleMs + BOUND_MS + 1500) {
    if ((await me(system, { cookie: revoked.cookie })).status === 200) lastAccepted = performance.now() - cut
    await sleep(100)
  }
  t.comment(`served from memory until ${lastAccepted.toFixed(0)} ms into the outage (SESSION_CACHE_MAX_STALE_MS ${maxStaleMs})`)
  t.ok(lastAccepted <= maxStaleMs + MEASURING_SLACK_MS, 'never past SESSION_CACHE_MAX_STALE_MS')
  proxy.refuseNew(false)
})

t.test('push: the subscriber goes silent', async (t) => {
  const { system, proxy } = await systemBehindProxy(t, { TOKEN_REVOCATION: 'push' })
  const { revoked, valid } = await tokenPairs(system)
  t.equal(proxy.apply(silentOpen, /:revocations$/), 1, 'the subscriber connection is cut')
  await lagUntilRefused(t, system, { authorization: `Bearer ${revoked.access_token}` }, revokeToken(system, revoked))
  t.ok(await healed(system, { authorization: `Bearer ${valid.access_token}` }), 'a valid token is accepted')
})

/** Cuts every profile connection for `cutMs` (new ones refused too); answers when the cut ends. */
function cutAll (proxy: FaultProxy, cutMs: number): Promise<void> {
  proxy.refuseNew(true)
  proxy.apply({ kind: 'reset' })
  return new Promise((resolve) => setTimeout(() => { proxy.refuseNew(false); resolve() }, cutMs))
}

t.test('push, PUSH_WHEN_STORE_DOWN=fail-closed: every connection is cut for 2 s, a revocation is made meanwhile', async (t) => {
  const { system, proxy } = await systemBehindProxy(t, { TOKEN_REVOCATION: 'push', PUSH_WHEN_STORE_DOWN: 'fail-closed' })
  for (let trial = 0; trial < 3; trial++) {
    const { revoked, valid } = await tokenPairs(system)
    const cut = cutAll(proxy, 2000)
    const bearer = { authorization: `Bearer ${revoked.access_token}` }
    await lagUntilRefused(t, system, bearer, revokeToken(system, revoked), 3000)
    await cut
    t.ok(await healed(system, { authorization: `Bearer ${valid.access_token}` }), 'a valid token is accepted after the reconnect')
  }
})

t.test('push, serve-held (the default): tokens keep working through the cut, and the revocation bites at the reconnect', async (t) => {
  const { system, proxy } = await systemBehindProxy(t, { TOKEN_REVOCATION: 'push' })
  for (let trial = 0; trial < 3; trial++) {
    const { revoked, valid } = await tokenPairs(system)
    const cut = cutAll(proxy, 2000)
    t.equal((await revokeToken(system, revoked)()).status, 204)
    const bearer = { authorization: `Bearer ${revoked.access_token}` }
    t.equal((await me(system, { authorization: `Bearer ${valid.access_token}` })).status, 200, 'valid tokens are served during the cut')
    t.equal((await me(system, bearer)).status, 200, 'so is the revoked one: this instance cannot know (the documented price)')
    await cut
    const healedAt = performance.now()
    t.ok(await waitFor(async () => (await me(system, bearer)).status === 401, BOUND_MS + MEASURING_SLACK_MS),
      'refused within the bound of the reconnect: resubscribed, then the log reloaded (retried until Redis answers)')
    t.comment(`refused ${(performance.now() - healedAt).toFixed(0)} ms after the cut ended`)
    t.equal((await me(system, { authorization: `Bearer ${valid.access_token}` })).status, 200)
  }
})

for (const [mode, env] of [['denylist', { TOKEN_REVOCATION: 'denylist' }], ['session', {}]] as const) {
  t.test(`${mode}: the connection the per-request check uses goes silent`, async (t) => {
    const { system, proxy } = await systemBehindProxy(t, env)
    if (mode === 'session') {
      const { revoked, valid } = await cachedSessions(system)
      t.ok(proxy.apply(silentOpen, /^authpair-profile$/) >= 1)
      await lagUntilRefused(t, system, { cookie: revoked.cookie }, logout(system, revoked.cookie))
      t.ok(await healed(system, { cookie: valid.cookie }), 'a valid session is served again')
    } else {
      const { revoked, valid } = await tokenPairs(system)
      t.ok(proxy.apply(silentOpen, /^authpair-profile$/) >= 1)
      await lagUntilRefused(t, system, { authorization: `Bearer ${revoked.access_token}` }, revokeToken(system, revoked))
      t.ok(await healed(system, { authorization: `Bearer ${valid.access_token}` }), 'a valid token is accepted')
    }
  })
}

for (const mode of ['denylist', 'push']) {
  t.test(`${mode}: log out everywhere cuts at the millisecond`, async (t) => {
    const system = await startSystem(t, { TOKEN_REVOCATION: mode })
    const email = await registerUser(system)
    for (let trial = 0; trial < 3; trial++) {
      const before = await tokens(system, email)
      const { cookie, csrfToken } = await session(system, email)
      const out = await fetch(`${system.auth}/v1/sessions`, { method: 'DELETE', headers: { cookie, 'x-csrf-token': csrfToken } })
      t.equal(out.status, 204)
      const after = await tokens(system, email) // at once: usually the same second
      await sleep(50) // push: the revocation's message
      t.equal((await me(system, { authorization: `Bearer ${before.access_token}` })).status, 401, 'issued just before: refused')
      t.equal((await me(system, { authorization: `Bearer ${after.access_token}` })).status, 200, 'issued just after: accepted')
    }
  })
}
