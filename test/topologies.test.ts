// The same flows on the Redis topologies that scale past one machine, chosen by configuration alone:
// a real 3-primary Redis Cluster and a Sentinel group, from redis-server processes on loopback.
import t, { type Test } from 'tap'
import { OwnRedisCluster, OwnSentinelGroup } from '@authpair/testing'
import { me, post, registerUser, session, startSystem, tokens, waitFor, type System } from './helpers.js'

async function sessionAndTokenFlows (t: Test, system: System): Promise<{ cookie: string, email: string }> {
  const email = await registerUser(system)
  const { cookie, csrfToken } = await session(system, email)
  t.equal((await me(system, { cookie })).status, 200, 'session: the profile reads the session')
  const listed = await (await fetch(`${system.auth}/v1/sessions`, { headers: { cookie } })).json() as { sessions: unknown[] }
  t.equal(listed.sessions.length, 1, 'session: listed through the per-user index')
  const patched = await fetch(`${system.profile}/v1/profile`, { method: 'PATCH', headers: { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' }, body: '{"bio":"on a cluster"}' })
  t.equal(patched.status, 200, 'session: the profile update (MULTI on one hash)')

  const pair = await tokens(system, email)
  const bearer = { authorization: `Bearer ${pair.access_token}` }
  t.equal((await me(system, bearer)).status, 200, 'token: accepted')
  const refreshed = await post(`${system.auth}/v1/tokens/refresh`, { refresh_token: pair.refresh_token })
  t.equal(refreshed.status, 201, 'token: refresh rotates (Lua on one slot)')
  t.equal((await post(`${system.auth}/v1/tokens/refresh`, { refresh_token: pair.refresh_token })).status, 401, 'token: reuse is detected')
  const next = await refreshed.json() as { access_token: string, refresh_token: string }
  t.equal((await post(`${system.auth}/v1/tokens/refresh`, { refresh_token: next.refresh_token })).status, 401, 'token: and the family is revoked')
  await post(`${system.auth}/v1/tokens/revoke`, { refresh_token: next.refresh_token }, bearer)
  t.equal((await me(system, bearer)).status, 401, 'token: the denylist (MGET of two keys in one slot) refuses the revoked token')
  return { cookie, email }
}

t.test('Redis Cluster, 3 primaries: the session and token flows', async (t) => {
  const cluster = await OwnRedisCluster.start()
  t.teardown(() => cluster.stop())
  const system = await startSystem(t, { REDIS_CLUSTER_NODES: cluster.nodeList, TOKEN_REVOCATION: 'denylist' })
  const { cookie } = await sessionAndTokenFlows(t, system)
  t.equal((await fetch(`${system.auth}/v1/sessions/current`, { method: 'DELETE', headers: { cookie } })).status, 204, 'log out')
  t.equal((await me(system, { cookie })).status, 401)
})

t.test('Redis Sentinel: the flows, then a forced failover that sessions survive', async (t) => {
  const group = await OwnSentinelGroup.start()
  t.teardown(() => group.stop())
  const system = await startSystem(t, { REDIS_SENTINELS: group.sentinelList, REDIS_SENTINEL_NAME: group.name, TOKEN_REVOCATION: 'denylist' })
  const { cookie, email } = await sessionAndTokenFlows(t, system)
  await new Promise((resolve) => setTimeout(resolve, 200)) // let the replica catch up
  const before = group.masterPort()
  await group.failover()
  t.not(group.masterPort(), before, 'the replica is the master now')
  t.ok(await waitFor(async () => (await me(system, { cookie })).status === 200, 10_000), 'the session survives the failover')
  t.ok(await waitFor(async () => (await post(`${system.auth}/v1/sessions`, { email, password: 'correct horse battery staple' })).status === 201, 10_000), 'and logins write to the new master')
})
