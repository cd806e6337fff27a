import t from 'tap'
import { createServer } from 'node:http'
import { buildApp as buildProfile } from '@authpair/profile/app'
import { loadProfileConfig } from '@authpair/profile/config'
import { SHARED_REDIS_URL } from '@authpair/testing'
import { me, registerUser, SECRET, session, startSystem, tokens } from './helpers.js'

t.test('JWKS unreachable at profile boot: sessions work, tokens 503 without a refetch storm, then recover', async (t) => {
  const system = await startSystem(t)
  const email = await registerUser(system)
  const { access_token: access } = await tokens(system, email)
  const { cookie } = await session(system, email)

  // A stand-in for the auth service's JWKS that fails until told otherwise, counting every fetch.
  let fetches = 0
  let healthy = false
  const jwksServer = createServer((_request, response) => {
    fetches++
    if (!healthy) { response.writeHead(503).end(); return }
    fetch(`${system.auth}/.well-known/jwks.json`).then(async (real) => {
      response.writeHead(200, { 'content-type': 'application/json' }).end(await real.text())
    }, () => response.writeHead(502).end())
  })
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve))
  t.teardown(() => jwksServer.close())
  const address = jwksServer.address() as { port: number }

  const profileApp = await buildProfile(loadProfileConfig({
    REDIS_URL: SHARED_REDIS_URL,
    REDIS_KEY_PREFIX: system.keyPrefix,
    LOG_LEVEL: 'silent',
    SESSION_SECRET: SECRET,
    AUTH_URL: `http://127.0.0.1:${address.port}`
  }))
  const profile = await profileApp.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(async () => { await profileApp.close() })
  const local = { ...system, profile }

  t.equal((await me(local, { cookie })).status, 200, 'the session path works meanwhile')
  const readiness = await fetch(`${profile}/readyz`)
  t.equal(readiness.status, 200, 'ready without keys: sessions can be served')
  t.match(await readiness.json(), { dependencies: { redis: 'up', keys: 'down' } })
  const answers = []
  for (let i = 0; i < 30; i++) answers.push((await me(local, { authorization: `Bearer ${access}` })).status)
  t.ok(answers.every((status) => status === 503), 'token requests answer 503 while no key is known')
  t.ok(fetches < 10, `30 token requests in a row caused ${fetches} JWKS fetches, not one each`)

  healthy = true
  let status = 503
  const deadline = Date.now() + 8000
  while (status !== 200 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    status = (await me(local, { authorization: `Bearer ${access}` })).status
  }
  t.equal(status, 200, 'tokens work once the JWKS answers, without a restart')
})
