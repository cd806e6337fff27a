// Password hashing shared fairly under attack, over real HTTP: an attacker that logs into its own account
// with the right password, from its own device, in a loop, holds one place in the gate at most, and spends
// a hashing budget like a guesser would; the other people still get in.
import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseSetCookies } from '@authpair/testing'
import { PASSWORD, post, registerUser, startSystem, type System } from './helpers.js'

/** The device cookie a first login gives `email` (as `did=…` for a Cookie header). */
async function deviceCookie (system: System, email: string, from: string): Promise<string> {
  const first = await post(`${system.auth}/v1/tokens`, { email, password: PASSWORD }, { 'x-forwarded-for': from })
  if (first.status !== 201) throw new Error(`first login: ${first.status}`)
  return `did=${parseSetCookies(first.headers.getSetCookie()).get('did')?.value ?? ''}`
}

/** Logs in as `email` and answers the status and how long it took. */
async function timedLogin (system: System, email: string, headers: Record<string, string>) {
  const started = performance.now()
  const status = (await post(`${system.auth}/v1/sessions`, { email, password: PASSWORD }, headers)).status
  return { status, ms: performance.now() - started }
}

t.test('an account logging in correctly in a loop cannot take the hashing lanes from others', async (t) => {
  const system = await startSystem(t, { TRUST_PROXY: '1', PASSWORD_HASH_CONCURRENCY: '2', PASSWORD_HASH_QUEUE: '2' })
  const attacker = await registerUser(system)
  const victim = await registerUser(system)
  const newcomer = await registerUser(system)
  const attackerFrom = { 'x-forwarded-for': '198.51.100.20', cookie: await deviceCookie(system, attacker, '198.51.100.20') }
  const victimFrom = { 'x-forwarded-for': '192.0.2.7', cookie: await deviceCookie(system, victim, '192.0.2.7') }

  const attack = { on: true }
  const attackerAnswers: number[] = []
  const loops = Array.from({ length: 8 }, async () => {
    while (attack.on) attackerAnswers.push((await timedLogin(system, attacker, attackerFrom)).status)
  })
  await sleep(300) // the attack is in full swing
  const [owner, stranger] = await Promise.all([
    timedLogin(system, victim, victimFrom),
    timedLogin(system, newcomer, { 'x-forwarded-for': '203.0.113.9' })
  ])
  attack.on = false
  await Promise.all(loops)

  t.comment(`attacker: ${attackerAnswers.length} answers (${attackerAnswers.filter((s) => s === 201).length} × 201); ` +
    `owner ${owner.status} in ${owner.ms.toFixed(0)} ms; no device cookie ${stranger.status} in ${stranger.ms.toFixed(0)} ms`)
  t.equal(owner.status, 201, 'the victim with its device cookie is logged in')
  t.ok(owner.ms <= 1500, `within 1.5 s (${owner.ms.toFixed(0)} ms)`)
  t.ok(stranger.status === 201 || stranger.status === 503, `a user without a device cookie gets an answer (${stranger.status})`)
  t.ok(stranger.ms <= 1500, `within 1.5 s (${stranger.ms.toFixed(0)} ms)`)
  t.ok(attackerAnswers.filter((status) => status === 503).length > 0, 'the attacker\'s parallel logins are turned away, one hash at a time')
})

t.test('successful logins spend the hashing budget too: a loop of them is limited like guessing', async (t) => {
  const system = await startSystem(t, { TRUST_PROXY: '1', HASH_BUDGET_PER_CLIENT: '5' })
  const email = await registerUser(system)
  const from = { 'x-forwarded-for': '198.51.100.30', cookie: await deviceCookie(system, email, '198.51.100.30') }
  const statuses: number[] = []
  for (let i = 0; i < 8; i++) statuses.push((await timedLogin(system, email, from)).status)
  t.same(statuses, [201, 201, 201, 201, 201, 429, 429, 429], 'five hashed logins per window from one device, then 429')
  const anonymous = { 'x-forwarded-for': '198.51.100.31' }
  t.equal((await timedLogin(system, email, anonymous)).status, 201, 'another client\'s budget is its own')
})
