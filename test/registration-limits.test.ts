// Registration limits over real HTTP: the cap in all counts registrations that reach password hashing, so
// answers that cost no hash (409 email_taken) cannot spend it; each address has its own limit, and the 429
// says it is about registrations.
import t from 'tap'
import { PASSWORD, post, startSystem } from './helpers.js'

const register = async (auth: string, email: string, from: string) =>
  await post(`${auth}/v1/users`, { email, password: PASSWORD, name: 'Reg' }, { 'x-forwarded-for': from })

t.test('409 email_taken does not spend the global cap: a new user still gets in', async (t) => {
  const system = await startSystem(t, { TRUST_PROXY: '1', REGISTER_LIMIT_GLOBAL: '10', REGISTER_LIMIT_PER_IP: '100' })
  const taken = `taken.${process.pid}@example.com`
  t.equal((await register(system.auth, taken, '2001:db8:100::1')).status, 201)
  const again = []
  for (let i = 0; i < 9; i++) again.push((await register(system.auth, taken, `2001:db8:${i}::1`)).status)
  t.same(again, Array.from({ length: 9 }, () => 409), 'nine attempts on a taken email, from nine /64s: 409, no hash')
  t.equal((await register(system.auth, `fresh.${process.pid}@example.com`, '198.51.100.77')).status, 201,
    'a new user from a fresh address is not told the service is full')
})

t.test('the per-address limit counts every attempt, and its 429 names registration', async (t) => {
  const system = await startSystem(t, { TRUST_PROXY: '1', REGISTER_LIMIT_PER_IP: '2' })
  const from = '198.51.100.78'
  t.equal((await register(system.auth, `one.${process.pid}@example.com`, from)).status, 201)
  t.equal((await register(system.auth, `one.${process.pid}@example.com`, from)).status, 409)
  const third = await register(system.auth, `two.${process.pid}@example.com`, from)
  t.equal(third.status, 429)
  const body = await third.json() as { error: string, message: string }
  t.equal(body.error, 'rate_limited')
  t.match(body.message, /^Too many registrations/, `the text says what is limited: "${body.message}"`)
  t.ok(Number(third.headers.get('retry-after')) >= 1, 'and when to come back')
})
