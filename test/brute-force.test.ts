import t from 'tap'
import { me, PASSWORD, post, registerUser, session, startSystem, tokens } from './helpers.js'

// Credential stuffing at once over real HTTP, each attempt from its own address (X-Forwarded-For, as
// behind the gateway with TRUST_PROXY): the counters in Redis must hold under concurrency.
t.test('login limits hold under a burst and do not touch the real user\'s sessions', async (t) => {
  const system = await startSystem(t, { TRUST_PROXY: '1', LOGIN_LIMIT_PER_ACCOUNT: '5', LOGIN_LIMIT_PER_IP: '8' })
  const victim = await registerUser(system)
  const { cookie } = await session(system, victim)
  const pair = await tokens(system, victim)

  const burst = await Promise.all(Array.from({ length: 40 }, async (_, i) => {
    const answer = await post(`${system.auth}/v1/sessions`, { email: victim, password: `guess number ${i}!` }, { 'x-forwarded-for': `198.51.100.${i + 1}` })
    return `${answer.status} ${(await answer.json() as { error: string }).error}`
  }))
  // One hash at a time per account: concurrent guesses beside the one being judged are turned away (503
  // overloaded, their counter places given back), the rest wait out the limit (429).
  const judged = burst.filter((answer) => answer.startsWith('401')).length
  t.ok(judged >= 1 && judged <= 5, `40 addresses, one account: ${judged} guesses judged (limit 5)`)
  t.ok(burst.every((answer) => ['401 invalid_credentials', '429 rate_limited', '503 overloaded'].includes(answer)),
    'every other attempt is 429 rate_limited or 503 overloaded, never another 5xx')

  const spray = await Promise.all(Array.from({ length: 30 }, async (_, i) =>
    (await post(`${system.auth}/v1/tokens`, { email: `nobody${i}.${process.pid}@example.com`, password: PASSWORD }, { 'x-forwarded-for': '203.0.113.7' })).status))
  t.equal(spray.filter((status) => status !== 429).length, 8, `one address, 30 accounts: ${spray.filter((status) => status !== 429).length} reached the password check (limit 8)`)
  t.ok(spray.every((status) => status === 401 || status === 429), 'each of them a 401, the rest 429')

  t.equal((await me(system, { cookie })).status, 200, 'the real user\'s session keeps working')
  t.equal((await fetch(`${system.auth}/v1/sessions`, { headers: { cookie } })).status, 200, 'and can list and revoke its sessions')
  t.equal((await post(`${system.auth}/v1/tokens/refresh`, { refresh_token: pair.refresh_token })).status, 201, 'and the real user\'s refresh token still refreshes')
  const fresh = await post(`${system.auth}/v1/sessions`, { email: victim, password: PASSWORD }, { 'x-forwarded-for': '192.0.2.1' })
  t.equal(fresh.status, judged === 5 ? 429 : 201, judged === 5
    ? 'a new anonymous login of that account waits out the window (the designed trade-off)'
    : 'the limit was not reached: a new login of that account gets in')
})
