import t from 'tap'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { freePort, SHARED_REDIS_URL, uniquePrefix, deletePrefix } from '@authpair/testing'

const server = fileURLToPath(new URL('../src/server.ts', import.meta.url))

function start (env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import=tsx', server], {
    env: { PATH: process.env.PATH, LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => { output += String(chunk) })
  child.stderr.on('data', (chunk: Buffer) => { output += String(chunk) })
  return { child, output: () => output, exited: once(child, 'exit') as Promise<[number | null, string | null]> }
}

t.test('no Redis: one clear line naming the URL, exit 1', async (t) => {
  const port = await freePort()
  const run = start({ REDIS_URL: `redis://127.0.0.1:${port}`, PORT: String(await freePort()) })
  const [code] = await run.exited
  t.equal(code, 1)
  t.match(run.output(), `auth service: No Redis answered at redis://127.0.0.1:${port}`)
  t.notMatch(run.output(), / {4}at /, 'no stack trace')
})

t.test('production without a secret refuses to boot, saying what to set', async (t) => {
  const run = start({ NODE_ENV: 'production', PORT: String(await freePort()) })
  const [code] = await run.exited
  t.equal(code, 1)
  t.match(run.output(), /SESSION_SECRET is required in production/)
})

t.test('production without a signing key refuses to boot in one line', async (t) => {
  const run = start({ NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(40), JWT_PRIVATE_KEYS_DIR: '/nonexistent-authpair-keys', PORT: String(await freePort()) })
  const [code] = await run.exited
  t.equal(code, 1)
  t.match(run.output(), /No JWT signing key found.*pnpm keys:new/)
  t.notMatch(run.output(), / {4}at /, 'no stack trace')
})

t.test('development: boots with a loud warning; SIGTERM finishes in-flight requests and exits 0', async (t) => {
  const port = await freePort()
  const prefix = uniquePrefix('server')
  t.teardown(() => deletePrefix(SHARED_REDIS_URL, prefix))
  const run = start({ PORT: String(port), REDIS_URL: SHARED_REDIS_URL, REDIS_KEY_PREFIX: prefix })
  const base = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 15_000
  while (Date.now() < deadline) {
    if (await fetch(`${base}/healthz`).then((r) => r.ok, () => false)) break
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  t.match(run.output(), /PUBLIC development secret/)

  // A registration takes a scrypt hash (~0.2 s): SIGTERM lands while it is in flight.
  const inFlight = fetch(`${base}/v1/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'drain@example.com', password: 'correct horse battery staple', name: 'Drain' })
  })
  await new Promise((resolve) => setTimeout(resolve, 50))
  run.child.kill('SIGTERM')
  const response = await inFlight
  t.equal(response.status, 201, 'the in-flight request completed')
  const [code] = await run.exited
  t.equal(code, 0, 'exit 0')
  t.notOk(await fetch(`${base}/healthz`).then(() => true, () => false), 'no longer listening')
})
