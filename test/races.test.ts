import t from 'tap'
import { me, post, registerUser, session, startSystem, tokens } from './helpers.js'

// Each race is started for real against the real Redis, many requests in flight at once; the
// assertions are about the end state a user would see.

t.test('concurrent refreshes of one refresh token: at most one new pair, and the family dies', async (t) => {
  const system = await startSystem(t)
  const pair = await tokens(system, await registerUser(system))
  const answers = await Promise.all(Array.from({ length: 10 }, async () =>
    await post(`${system.auth}/v1/tokens/refresh`, { refresh_token: pair.refresh_token })))
  const winners = answers.filter((answer) => answer.status === 201)
  t.equal(winners.length, 1, `${winners.length} of 10 refreshes got a new pair: the first, and only it`)
  t.ok(answers.every((answer) => answer.status === 201 || answer.status === 401), 'the others are 401, never a 5xx')
  // The token was presented again after it was spent: theft detection revokes the family, successor included.
  for (const winner of winners) {
    const successor = await winner.json() as { refresh_token: string }
    t.equal((await post(`${system.auth}/v1/tokens/refresh`, { refresh_token: successor.refresh_token })).status, 401, 'the successor is revoked too')
  }
})

t.test('concurrent registrations of one email: exactly one account', async (t) => {
  const system = await startSystem(t)
  const email = `race.${process.pid}.${Date.now()}@example.com`
  const answers = await Promise.all(Array.from({ length: 10 }, async (_, i) =>
    await post(`${system.auth}/v1/users`, { email, password: 'correct horse battery staple', name: `N${i}` })))
  t.same(answers.map((answer) => answer.status).sort(), [201, 409, 409, 409, 409, 409, 409, 409, 409, 409])
  const login = await post(`${system.auth}/v1/tokens`, { email, password: 'correct horse battery staple' })
  t.equal(login.status, 201, 'the one account logs in')
})

t.test('concurrent profile updates of different fields: no update is lost', async (t) => {
  const system = await startSystem(t)
  const pair = await tokens(system, await registerUser(system, 'Before'))
  const headers = { authorization: `Bearer ${pair.access_token}`, 'content-type': 'application/json' }
  const patch = async (body: unknown) => await fetch(`${system.profile}/v1/profile`, { method: 'PATCH', headers, body: JSON.stringify(body) })
  const names = Array.from({ length: 10 }, (_, i) => `Name ${i}`)
  const bios = Array.from({ length: 10 }, (_, i) => `Bio ${i}`)
  const answers = await Promise.all([
    ...names.map(async (name) => await patch({ name })), ...bios.map(async (bio) => await patch({ bio }))
  ])
  t.ok(answers.every((answer) => answer.status === 200), 'every update is accepted')
  const profile = await (await fetch(`${system.profile}/v1/profile`, { headers })).json() as { name: string, bio: string }
  t.ok(names.includes(profile.name), `the name is one that was written (${profile.name})`)
  t.ok(bios.includes(profile.bio), `the bio is one that was written (${profile.bio}): the name updates did not erase it`)
})

t.test('a logout racing requests of the same session: nothing brings the session back', async (t) => {
  // Idle TTL 10 s: activity is written back at most every second, so the in-flight requests do touch it.
  const system = await startSystem(t, { SESSION_IDLE_TTL: '10' })
  const { cookie } = await session(system, await registerUser(system))
  await new Promise((resolve) => setTimeout(resolve, 1100))
  const requests = Array.from({ length: 40 }, async () => (await me(system, { cookie })).status)
  const logout = fetch(`${system.auth}/v1/sessions/current`, { method: 'DELETE', headers: { cookie } })
  const statuses = await Promise.all(requests)
  t.equal((await logout).status, 204)
  t.ok(statuses.every((status) => status === 200 || status === 401), 'each in-flight request is answered 200 or 401')
  await new Promise((resolve) => setTimeout(resolve, 200))
  t.equal((await me(system, { cookie })).status, 401, 'after the logout the session is refused')
  t.equal((await fetch(`${system.auth}/v1/sessions`, { headers: { cookie } })).status, 401, 'and the auth service agrees')
})

t.test('log out everywhere racing logins: every login that survives is listed and can be ended', async (t) => {
  const system = await startSystem(t)
  const email = await registerUser(system)
  const first = await session(system, email)
  const [logout, ...logins] = await Promise.all([
    fetch(`${system.auth}/v1/sessions`, { method: 'DELETE', headers: { cookie: first.cookie, 'x-csrf-token': first.csrfToken } }),
    session(system, email), session(system, email), session(system, email)
  ])
  const pair = await tokens(system, email)
  t.equal(logout?.status, 204)
  t.equal((await me(system, { cookie: first.cookie })).status, 401, 'the session that logged out everywhere is gone')
  const alive = []
  for (const login of logins) if ((await me(system, { cookie: login.cookie })).status === 200) alive.push(login)
  t.ok(alive.length > 0, `${alive.length} of 3 racing logins survived`)
  const listing = await (await fetch(`${system.auth}/v1/sessions`, { headers: { cookie: alive[0]?.cookie ?? '' } })).json() as { sessions: unknown[] }
  t.equal(listing.sessions.length, alive.length, 'every surviving session is listed')
  const again = alive[0] as { cookie: string, csrfToken: string }
  await new Promise((resolve) => setTimeout(resolve, 1000)) // iat has one-second resolution
  t.equal((await fetch(`${system.auth}/v1/sessions`, { method: 'DELETE', headers: { cookie: again.cookie, 'x-csrf-token': again.csrfToken } })).status, 204)
  for (const login of alive) t.equal((await me(system, { cookie: login.cookie })).status, 401, 'a second log out everywhere ends it')
  t.equal((await post(`${system.auth}/v1/tokens/refresh`, { refresh_token: pair.refresh_token })).status, 401, 'and the token family')
})
