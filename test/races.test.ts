import t from 'tap'
import { parseSetCookies, sessionCookieOf } from '@authpair/testing'
import { me, PASSWORD, post, registerUser, session, startSystem, tokens } from './helpers.js'

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

t.test('a password change racing logins and refreshes with the old password: nothing they got survives', async (t) => {
  // denylist: an access token is refused as soon as its family or user cut-off is written.
  const system = await startSystem(t, { TOKEN_REVOCATION: 'denylist' })
  const email = await registerUser(system)
  // Each racer logs in from a device of its own (a device cookie): one hash at a time per device, not per
  // account, so the logins really run beside the change instead of being turned away as overloaded.
  const devices: string[] = []
  for (let i = 0; i < 8; i++) {
    const first = await post(`${system.auth}/v1/tokens`, { email, password: PASSWORD })
    devices.push(`did=${parseSetCookies(first.headers.getSetCookie()).get('did')?.value ?? ''}`)
  }
  const spare = await tokens(system, email)
  const caller = await tokens(system, email)

  const change = fetch(`${system.auth}/v1/users/me/password`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${caller.access_token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ currentPassword: PASSWORD, newPassword: 'a brand new passphrase' })
  })
  const later = async <T>(ms: number, work: () => Promise<T>) => await new Promise<T>((resolve, reject) => {
    setTimeout(() => { work().then(resolve, reject) }, ms)
  })
  // Staggered over the change's two hashes (check the current password, hash the new one).
  const sessions = devices.slice(0, 4).map(async (cookie, i) => await later(i * 60, async () =>
    await post(`${system.auth}/v1/sessions`, { email, password: PASSWORD }, { cookie })))
  const logins = devices.slice(4).map(async (cookie, i) => await later(30 + i * 60, async () =>
    await post(`${system.auth}/v1/tokens`, { email, password: PASSWORD }, { cookie })))
  const refreshes = [0, 120, 240].map(async (ms) => await later(ms, async () =>
    await post(`${system.auth}/v1/tokens/refresh`, { refresh_token: spare.refresh_token })))
  t.equal((await change).status, 201, 'the change went through')

  let won = 0
  for (const response of await Promise.all(sessions)) {
    t.ok([201, 401, 503].includes(response.status), `a racing session login: ${response.status}`)
    if (response.status !== 201) continue
    won++
    t.equal((await me(system, { cookie: sessionCookieOf(response) })).status, 401, 'its session is refused')
  }
  for (const response of [...await Promise.all(logins), ...await Promise.all(refreshes)]) {
    t.ok([201, 401, 503].includes(response.status), `a racing token login or refresh: ${response.status}`)
    if (response.status !== 201) continue
    won++
    const pair = await response.json() as { access_token: string, refresh_token: string }
    t.equal((await me(system, { authorization: `Bearer ${pair.access_token}` })).status, 401, 'its access token is refused')
    t.equal((await post(`${system.auth}/v1/tokens/refresh`, { refresh_token: pair.refresh_token })).status, 401, 'its family is revoked')
  }
  t.comment(`${won} racing requests got credentials before the change finished; all of them are dead`)
})
