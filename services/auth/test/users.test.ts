import t from 'tap'
import { buildTestApp, newEmail, PASSWORD } from './helpers.js'

t.test('POST /v1/users', async (t) => {
  const app = await buildTestApp(t)
  const post = (payload: unknown) => app.inject({ method: 'POST', url: '/v1/users', payload: payload as object })

  t.test('creates the user with a normalised email, and never returns the hash', async (t) => {
    const response = await post({ email: '  Ann.Lee@Example.COM ', password: PASSWORD, name: ' Ann Lee ' })
    t.equal(response.statusCode, 201)
    const body = response.json()
    t.match(body, { id: /^[0-9a-f-]{36}$/, email: 'ann.lee@example.com', name: 'Ann Lee' })
    t.same(Object.keys(body).sort(), ['email', 'id', 'name'])

    t.equal(await app.redis.get('user:email:ann.lee@example.com'), body.id, 'the email finds the account')
    const stored = await app.redis.hgetall(`user:{${body.id as string}}:account`)
    t.match(stored, { email: 'ann.lee@example.com', name: 'Ann Lee', generation: '0' })
    t.match(stored.passwordHash, /^scrypt\$N=16384,r=8,p=5\$/, 'scrypt with its parameters stored beside the hash')
    t.notMatch(JSON.stringify(stored), PASSWORD, 'the password itself is not stored')
  })

  t.test('a second registration of the same email, in any case, is 409 email_taken', async (t) => {
    const email = newEmail()
    t.equal((await post({ email, password: PASSWORD, name: 'A' })).statusCode, 201)
    const again = await post({ email: email.toUpperCase(), password: PASSWORD, name: 'B' })
    t.equal(again.statusCode, 409)
    t.same(again.json(), { error: 'email_taken', message: 'An account with this email already exists' })
  })

  t.test('two concurrent registrations of one email: one 201 and one 409', async (t) => {
    const email = newEmail()
    const statuses = (await Promise.all([1, 2, 3].map(() => post({ email, password: PASSWORD, name: 'Racer' }))))
      .map((r) => r.statusCode).sort()
    t.same(statuses, [201, 409, 409])
  })

  t.test('bad input is 400 invalid_request with the contract body', async (t) => {
    const cases: Array<[string, unknown]> = [
      ['bad email', { email: 'not-an-email', password: PASSWORD, name: 'A' }],
      ['password of 11 characters', { email: newEmail(), password: 'x'.repeat(11), name: 'A' }],
      ['password of 1025 characters', { email: newEmail(), password: 'x'.repeat(1025), name: 'A' }],
      ['missing name', { email: newEmail(), password: PASSWORD }],
      ['blank name', { email: newEmail(), password: PASSWORD, name: '   ' }],
      ['number as password', { email: newEmail(), password: 123456789012345, name: 'A' }],
      ['array body', [1, 2]],
      ['null email', { email: null, password: PASSWORD, name: 'A' }]
    ]
    for (const [label, payload] of cases) {
      const response = await post(payload)
      t.equal(response.statusCode, 400, label)
      t.equal(response.json().error, 'invalid_request', label)
      t.type(response.json().message, 'string', label)
    }
  })

  t.test('malformed JSON and a non-JSON content type are 400, never 500', async (t) => {
    const broken = await app.inject({ method: 'POST', url: '/v1/users', headers: { 'content-type': 'application/json' }, payload: '{"email":' })
    t.equal(broken.statusCode, 400)
    t.equal(broken.json().error, 'invalid_request')
    const text = await app.inject({ method: 'POST', url: '/v1/users', headers: { 'content-type': 'text/plain' }, payload: 'hello' })
    t.equal(text.statusCode, 400)
    t.equal(text.json().error, 'invalid_request')
  })

  t.test('an oversized body is 413 payload_too_large', async (t) => {
    const response = await post({ email: newEmail(), password: PASSWORD, name: 'x'.repeat(64 * 1024) })
    t.equal(response.statusCode, 413)
    t.equal(response.json().error, 'payload_too_large')
  })
})
