import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { anotherProfile, me, PASSWORD, registerUser, session, startSystem, tokens, waitFor, type System } from './helpers.js'

// Changing the password and deleting the account, across both services over real HTTP and the real Redis.

const NEW_PASSWORD = 'a brand new passphrase'

async function deleteAccount (system: System, accessToken: string): Promise<number> {
  const response = await fetch(`${system.auth}/v1/users/me`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ password: PASSWORD })
  })
  return response.status
}

async function patchBio (system: System, accessToken: string, bio: string): Promise<Response> {
  return await fetch(`${system.profile}/v1/profile`, {
    method: 'PATCH', headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ bio })
  })
}

const userIdOf = (accessToken: string) =>
  (JSON.parse(Buffer.from(accessToken.split('.')[1] as string, 'base64url').toString()) as { sub: string }).sub
const profileExists = async (app: FastifyInstance, userId: string) => await app.redis.exists(`profile:{${userId}}`) === 1

async function metric (system: System, name: string): Promise<number> {
  const text = await (await fetch(`${system.profile}/metrics`)).text()
  const line = text.split('\n').find((candidate) => candidate.startsWith(name))
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1))
}

t.test('a deleted account takes its profile with it, and a token still alive cannot write it back', async (t) => {
  const system = await startSystem(t)
  const pair = await tokens(system, await registerUser(system))
  const userId = userIdOf(pair.access_token)
  t.equal((await patchBio(system, pair.access_token, 'hello')).status, 200)
  t.ok(await profileExists(system.profileApp, userId))

  t.equal(await deleteAccount(system, pair.access_token), 204)
  t.ok(await waitFor(async () => !await profileExists(system.profileApp, userId)), 'the profile service deleted the profile')
  // TOKEN_REVOCATION=off: the access token lives until exp, as the contract says, but the data stays gone.
  t.equal((await me(system, { authorization: `Bearer ${pair.access_token}` })).status, 200, 'off: the token itself still verifies')
  const rewrite = await patchBio(system, pair.access_token, 'back again')
  t.equal(rewrite.status, 401)
  t.match(await rewrite.json(), { error: 'unauthorized', message: 'This account has been deleted' })
  t.notOk(await profileExists(system.profileApp, userId), 'nothing written back')
  t.equal(await metric(system, 'authpair_account_events_lag'), 0, 'the consumer group is not behind')
  t.equal(await metric(system, 'authpair_account_events_total{outcome="applied"'), 1)
})

t.test('one /metrics scrape reads the account events backlog from Redis once, for both gauges', async (t) => {
  const system = await startSystem(t)
  // Count the XINFO calls the profile's own Redis client sends (the real client, passed through).
  const redis = system.profileApp.redis
  const xinfo = redis.xinfo.bind(redis)
  let reads = 0
  const counted = async (...args: Parameters<typeof xinfo>) => { reads++; return await xinfo(...args) }
  redis.xinfo = counted as typeof redis.xinfo
  t.teardown(() => { redis.xinfo = xinfo })
  await metric(system, 'authpair_account_events_lag')
  t.equal(reads, 1, 'lag and pending come from the same XINFO GROUPS')
})

t.test('a deletion made while the profile service is down is applied when it comes back', async (t) => {
  const system = await startSystem(t)
  const pair = await tokens(system, await registerUser(system))
  const userId = userIdOf(pair.access_token)
  t.equal((await patchBio(system, pair.access_token, 'hello')).status, 200)
  await system.profileApp.close()

  t.equal(await deleteAccount(system, pair.access_token), 204)
  await new Promise((resolve) => setTimeout(resolve, 300))
  t.ok(await profileExists(system.authApp, userId), 'nobody has applied it yet')

  const back = await anotherProfile(t, system, {})
  t.ok(await waitFor(async () => !await profileExists(back.profileApp, userId)), 'applied once the profile service is back')
})

t.test('two profile replicas: each deletion applied once, by one of them', async (t) => {
  const system = await startSystem(t)
  const second = await anotherProfile(t, system, {})
  const users = await Promise.all(Array.from({ length: 6 }, async () =>
    (await tokens(system, await registerUser(system))).access_token))
  for (const token of users) t.equal((await patchBio(system, token, 'hello')).status, 200)
  for (const token of users) t.equal(await deleteAccount(system, token), 204)
  t.ok(await waitFor(async () => {
    for (const token of users) if (await profileExists(system.profileApp, userIdOf(token))) return false
    return true
  }), 'every profile is gone')
  const applied = await metric(system, 'authpair_account_events_total{outcome="applied"') +
    await metric(second, 'authpair_account_events_total{outcome="applied"')
  t.equal(applied, 6, 'six events, six applications between the two replicas')
})

t.test('a poison entry in the stream does not hold back the deletions behind it', async (t) => {
  const system = await startSystem(t)
  await system.authApp.redis.xadd('account-events', '*', 'type', 'user-deleted', 'note', 'no user id')
  const pair = await tokens(system, await registerUser(system))
  t.equal((await patchBio(system, pair.access_token, 'hello')).status, 200)
  t.equal(await deleteAccount(system, pair.access_token), 204)
  t.ok(await waitFor(async () => !await profileExists(system.profileApp, userIdOf(pair.access_token))))
  t.equal(await metric(system, 'authpair_account_events_total{outcome="poison"'), 1)
  t.equal(await metric(system, 'authpair_account_events_pending'), 0, 'nothing left pending')
})

for (const mode of ['denylist', 'push']) {
  t.test(`TOKEN_REVOCATION=${mode}: the access tokens of a deleted account are refused at once`, async (t) => {
    const system = await startSystem(t, { TOKEN_REVOCATION: mode })
    const pair = await tokens(system, await registerUser(system))
    const bearer = { authorization: `Bearer ${pair.access_token}` }
    t.equal((await me(system, bearer)).status, 200)
    t.equal(await deleteAccount(system, pair.access_token), 204)
    t.ok(await waitFor(async () => (await me(system, bearer)).status === 401, 1000), 'refused')
  })
}

t.test('a password change ends the sessions the profile service accepts, and old tokens in refusing modes', async (t) => {
  const system = await startSystem(t, { TOKEN_REVOCATION: 'denylist' })
  const email = await registerUser(system)
  const other = await session(system, email)
  const pair = await tokens(system, email)
  const caller = await session(system, email)
  const changed = await fetch(`${system.auth}/v1/users/me/password`, {
    method: 'PUT',
    headers: { cookie: caller.cookie, 'x-csrf-token': caller.csrfToken, 'content-type': 'application/json' },
    body: JSON.stringify({ currentPassword: PASSWORD, newPassword: NEW_PASSWORD })
  })
  t.equal(changed.status, 200)
  const cookie = changed.headers.getSetCookie().filter((line) => line.startsWith('sid=') && !line.startsWith('sid=;')).at(-1)?.split(';')[0] ?? ''
  t.equal((await me(system, { cookie })).status, 200, 'the calling session continues under its new id')
  t.equal((await me(system, { cookie: caller.cookie })).status, 401, 'not under the old one')
  t.equal((await me(system, { cookie: other.cookie })).status, 401, 'the other session is refused')
  t.equal((await me(system, { authorization: `Bearer ${pair.access_token}` })).status, 401, 'the older access token is refused')
})
