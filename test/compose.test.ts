import t from 'tap'
import { spawn, spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { sessionCookieOf } from '@authpair/testing'
import { PASSWORD, post, waitFor } from './helpers.js'

// `docker compose up` for real, where a Docker engine runs (CI: always, .ci/run starts one): the images built
// from this working tree, and the README's promises walked through the gateway on localhost:8080.

const root = fileURLToPath(new URL('../', import.meta.url))
const engine = spawnSync('docker', ['info'], { encoding: 'utf8' })
const compose = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' })
const skip = engine.status !== 0
  ? 'no Docker engine answers (start one with the images node:24-bookworm-slim, redis:7-bookworm and nginx:1.27-bookworm at hand; .ci/run does)'
  : compose.status !== 0 ? 'Docker Compose v2 is not installed' : false

/** `docker compose …` in the project root; throws with its output when it fails. */
function dc (args: string[], timeoutMs = 300_000): string {
  const result = spawnSync('docker', ['compose', ...args], { cwd: root, encoding: 'utf8', timeout: timeoutMs })
  if (result.status !== 0) throw new Error(`docker compose ${args.join(' ')}: ${result.status}\n${result.stdout}\n${result.stderr}`)
  return result.stdout
}

const gateway = 'http://127.0.0.1:8080'
const replicas = ['http://127.0.0.1:3002', 'http://127.0.0.1:3003']
const json = { 'content-type': 'application/json' }

t.test('docker compose up: the README, walked through the real stack', { skip, timeout: 1_200_000 }, async (t) => {
  t.teardown(() => { spawnSync('docker', ['compose', '--profile', 'tools', 'down', '--volumes', '--timeout', '20'], { cwd: root }) })
  dc(['--profile', 'tools', 'down', '--volumes', '--timeout', '5'])
  dc(['--profile', 'tools', 'build'], 900_000)
  const started = performance.now()
  dc(['up', '-d', '--wait', '--wait-timeout', '180'])
  t.pass(`docker compose up -d --wait: healthy in ${((performance.now() - started) / 1000).toFixed(1)} s`)

  // The README's curl flow, through the gateway.
  const email = `compose.${Date.now()}@example.com`
  t.equal((await post(`${gateway}/v1/users`, { email, password: PASSWORD, name: 'Compose' })).status, 201, 'register')
  const login = await post(`${gateway}/v1/sessions`, { email, password: PASSWORD })
  t.equal(login.status, 201, 'session login')
  const cookie = sessionCookieOf(login)
  const { csrfToken } = await login.json() as { csrfToken: string }
  for (const replica of replicas) {
    t.match(await (await fetch(`${replica}/v1/me`, { headers: { cookie } })).json(), { email, auth: 'session' }, `/v1/me on ${replica}`)
  }
  const patched = await fetch(`${gateway}/v1/profile`, {
    method: 'PATCH', headers: { ...json, cookie, 'x-csrf-token': csrfToken }, body: JSON.stringify({ bio: 'from compose' })
  })
  t.equal(patched.status, 200, 'PATCH with the CSRF token')
  const pair = await (await post(`${gateway}/v1/tokens`, { email, password: PASSWORD })).json() as { access_token: string, refresh_token: string }
  const bearer = { authorization: `Bearer ${pair.access_token}` }
  for (const replica of replicas) t.equal((await fetch(`${replica}/v1/me`, { headers: bearer })).status, 200, `token on ${replica}`)
  t.equal((await post(`${gateway}/v1/tokens/revoke`, { refresh_token: pair.refresh_token }, bearer)).status, 204, 'revoke')
  for (const replica of replicas) {
    t.ok(await waitFor(async () => (await fetch(`${replica}/v1/me`, { headers: bearer })).status === 401, 3000), `push: refused on ${replica}`)
  }

  // Sessions and keys survive a Redis restart (AOF) and a down + up (named volumes).
  const kids = async () => JSON.stringify(await (await fetch(`${gateway}/.well-known/jwks.json`)).json())
  const keysBefore = await kids()
  dc(['restart', 'redis'])
  t.ok(await waitFor(async () => (await fetch(`${gateway}/v1/me`, { headers: { cookie } }).catch(() => null))?.status === 200, 20_000),
    'the session survives `docker compose restart redis`')
  dc(['down', '--timeout', '20'])
  dc(['up', '-d', '--wait', '--wait-timeout', '180'])
  // A kept-alive connection from before `down` is dead: retried on a new one.
  t.ok(await waitFor(async () => (await fetch(`${gateway}/v1/me`, { headers: { cookie } }).catch(() => null))?.status === 200, 20_000),
    'and `docker compose down` + `up`')
  t.equal(await kids(), keysBefore, 'the signing keys too')

  // load-compare against the stack writes its JSON (before the clients below: a container may get the address
  // of one that used up its login budget).
  dc(['--profile', 'tools', 'run', '--rm', 'compare'], 600_000)
  const report = JSON.parse(dc(['--profile', 'tools', 'run', '--rm', '--no-deps', '--entrypoint', 'cat', 'compare', '/reports/compare.json']))
  t.ok(Array.isArray(report.runs) && report.runs.length > 0, `docker compose run --rm compare wrote ${report.runs?.length} runs`)

  // Behind the gateway each client is itself: two containers on the compose network, at once, each spending
  // its own per-address budget of failed logins (30 by default) with forged X-Forwarded-For headers.
  const script = `const s = []; for (let i = 0; i < 31; i++) { const r = await fetch('http://gateway:8080/v1/sessions', { method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.' + i }, body: JSON.stringify({ email: 'n' + i + '.' + Math.random() + '@example.com', password: 'wrong password!' }) });
    s.push(r.status) } console.log(JSON.stringify(s))`
  const client = async () => await new Promise<number[]>((resolve, reject) => {
    const child = spawn('docker', ['compose', 'run', '--rm', '--no-deps', '--entrypoint', 'node', 'compare', '--input-type=module', '-e', script], { cwd: root })
    let out = ''
    child.stdout.on('data', (chunk) => { out += String(chunk) })
    child.on('exit', (code) => code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop() ?? '[]')) : reject(new Error(`client exited ${code}`)))
  })
  const [a, b] = await Promise.all([client(), client()])
  t.same([a?.slice(0, 30).every((status) => status === 401), a?.[30]], [true, 429], 'client A: 30 failures, then 429')
  t.same([b?.slice(0, 30).every((status) => status === 401), b?.[30]], [true, 429], 'client B counted apart (not one shared bucket)')

  // Stopping drains: logins in flight when it starts are answered, none cut off (201; or 429 and 503 at once,
  // past the account's 10 places and the hashing gate: 20 logins of one account at once), and every service
  // exits 0.
  const inFlight = Array.from({ length: 20 }, async () =>
    (await post('http://127.0.0.1:3001/v1/tokens', { email, password: PASSWORD }).catch(() => null))?.status)
  await new Promise((resolve) => setTimeout(resolve, 50))
  dc(['stop', '--timeout', '20', 'auth', 'profile'])
  const statuses = await Promise.all(inFlight)
  t.ok(statuses.every((status) => status === 201 || status === 429 || status === 503), `in-flight logins answered: ${statuses.join(' ')}`)
  t.ok(statuses.includes(201), 'and some of them logged in')
  const exits = dc(['ps', '--all', '--format', '{{.Service}} {{.ExitCode}}']).trim().split('\n')
    .filter((line) => /^(auth|profile) /.test(line))
  t.ok(exits.length === 3 && exits.every((line) => line.endsWith(' 0')), `auth and both profiles exited 0: ${exits.join(', ')}`)
})
