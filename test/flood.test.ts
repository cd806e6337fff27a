import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseSetCookies } from '@authpair/testing'
import { PASSWORD, post, registerUser, startSystem } from './helpers.js'

/**
 * A flood of registrations and wrong logins from many addresses, all at once, over real HTTP: password
 * hashing is a shared, bounded resource. The account owner, presenting its device cookie, must still be
 * logged in quickly; every flood request is answered at once with a definite answer; health stays instant.
 * The limits are the shipped defaults (PASSWORD_HASH_CONCURRENCY = the thread pool, PASSWORD_HASH_QUEUE 8).
 */
t.test('a flood of 200 registrations and wrong logins cannot starve the account owner', async (t) => {
  const system = await startSystem(t, {
    TRUST_PROXY: '1',
    REGISTER_LIMIT_PER_IP: '5',
    REGISTER_LIMIT_GLOBAL: '300',
    LOGIN_LIMIT_PER_IP: '30',
    LOGIN_LIMIT_PER_ACCOUNT: '10'
  })
  const owner = await registerUser(system)
  const first = await post(`${system.auth}/v1/tokens`, { email: owner, password: PASSWORD }, { 'x-forwarded-for': '192.0.2.1' })
  const did = `did=${parseSetCookies(first.headers.getSetCookie()).get('did')?.value ?? ''}`

  const stamp = Date.now()
  const answers: Array<{ status: number, error?: string, retryAfter: string | null, ms: number }> = []
  const flood = Array.from({ length: 200 }, async (_, i) => {
    const from = { 'x-forwarded-for': `198.51.${Math.floor(i / 5)}.${(i % 5) + 1}` }
    const started = performance.now()
    const answer = i % 2 === 0
      ? await post(`${system.auth}/v1/users`, { email: `flood${i}.${stamp}@example.com`, password: PASSWORD, name: 'Flood' }, from)
      : await post(`${system.auth}/v1/sessions`, { email: owner, password: `wrong guess ${i}!` }, from)
    const body = await answer.json() as { error?: string }
    answers.push({ status: answer.status, error: body.error, retryAfter: answer.headers.get('retry-after'), ms: performance.now() - started })
  })

  await sleep(150) // the flood is in full swing
  // The best of five /healthz answers: a starved event loop makes every one slow, one noisy moment only one.
  const healthSamples: number[] = []
  for (let i = 0; i < 5; i++) {
    const health = performance.now()
    t.equal((await fetch(`${system.auth}/healthz`)).status, 200)
    healthSamples.push(performance.now() - health)
  }
  const healthMs = Math.min(...healthSamples)
  const login = performance.now()
  const ownerLogin = await post(`${system.auth}/v1/sessions`, { email: owner, password: PASSWORD }, { 'x-forwarded-for': '192.0.2.1', cookie: did })
  const ownerMs = performance.now() - login
  await Promise.all(flood)

  t.equal(ownerLogin.status, 201, 'the owner, with its device cookie, is logged in')
  t.ok(healthMs <= 50, `/healthz within 50 ms: the best of five ${healthMs.toFixed(1)} ms (all: ${healthSamples.map((ms) => ms.toFixed(1)).join(', ')})`)
  const counts = new Map<string, number>()
  for (const answer of answers) counts.set(`${answer.status} ${answer.error ?? ''}`.trim(), (counts.get(`${answer.status} ${answer.error ?? ''}`.trim()) ?? 0) + 1)
  t.comment(`flood answers: ${[...counts].map(([key, n]) => `${key} ×${n}`).join(', ')}`)
  t.ok(answers.every((answer) => [201, 401, 409, 429].includes(answer.status) || (answer.status === 503 && answer.error === 'overloaded')),
    'every flood request got 201, 401, 409, 429 or 503 overloaded')
  const overloaded = answers.filter((answer) => answer.status === 503)
  t.ok(overloaded.length > 0, `the gate turned work away (${overloaded.length} × 503 overloaded) rather than queueing it`)
  t.ok(overloaded.every((answer) => Number(answer.retryAfter) >= 1), 'every 503 says when to come back')
  // Every flood request started at once, so the time each took is also when it was answered.
  const slowest503 = Math.max(...overloaded.map((answer) => answer.ms))
  const hashed = answers.filter((answer) => [201, 401].includes(answer.status))
  const slowestHashed = Math.max(...hashed.map((answer) => answer.ms))
  // Not starved: in 1.5 s, or, where the suite's other files slow every clock, still ahead of the flood's
  // last hashed request (a starved owner would come after all of them; it started 150 ms after them).
  t.ok(ownerMs <= 1500 || ownerMs + 150 < slowestHashed,
    `the owner was served during the flood, not after it: ${ownerMs.toFixed(0)} ms (flood's slowest hashed ${slowestHashed.toFixed(0)} ms)`)
  // A 503 is given when the hashing gate and its queue are full, and at once: before the work that filled them
  // is done. Compared with the flood's own hashes, not with a clock, which the suite's other files slow.
  t.ok(slowest503 < slowestHashed,
    `every 503 came while the flood was still hashing: the last at ${slowest503.toFixed(0)} ms, the last hash at ${slowestHashed.toFixed(0)} ms`)
  const slowestAnswered = Math.max(...answers.filter((answer) => answer.status !== 503).map((answer) => answer.ms))
  t.ok(slowestAnswered < 5000, `no request waited long behind the flood: slowest ${slowestAnswered.toFixed(0)} ms`)
})

t.test('retries after a 503 overloaded do not count as failed logins', async (t) => {
  // One hash at a time and no queue: a second concurrent login is turned away before its password is judged.
  const system = await startSystem(t, { PASSWORD_HASH_CONCURRENCY: '1', PASSWORD_HASH_QUEUE: '0', LOGIN_LIMIT_PER_ACCOUNT: '2', LOGIN_LIMIT_PER_IP: '1000' })
  const email = await registerUser(system)
  const attempts = await Promise.all(Array.from({ length: 6 }, async () =>
    (await post(`${system.auth}/v1/sessions`, { email, password: 'wrong password!' })).status))
  t.ok(attempts.includes(503), `some attempts were turned away: ${attempts.join(' ')}`)
  const judged = attempts.filter((status) => status === 401).length
  t.ok(judged <= 2, `${judged} wrong passwords were judged`)
  if (judged < 2) t.equal((await post(`${system.auth}/v1/sessions`, { email, password: PASSWORD })).status, 201, 'the turned-away attempts left the account open')
  else t.equal((await post(`${system.auth}/v1/sessions`, { email, password: PASSWORD })).status, 429, 'two judged failures lock it, no more')
})
