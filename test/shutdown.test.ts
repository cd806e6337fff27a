import { spawn } from 'node:child_process'
import { get } from 'node:http'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { freePort, SHARED_REDIS_URL } from '@authpair/testing'
import { registerUser, SECRET, session, startSystem, tokens, waitFor } from './helpers.js'

const profileDir = fileURLToPath(new URL('../services/profile/', import.meta.url))

/** One request on a connection of its own: either refused (never admitted) or answered. */
async function request (port: number, headers: Record<string, string>): Promise<number | 'refused' | 'dropped'> {
  return await new Promise((resolve) => {
    const req = get({ host: '127.0.0.1', port, path: '/v1/me', agent: false, headers }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
      res.on('error', () => resolve('dropped'))
    })
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED' ? 'refused' : 'dropped'))
  })
}

/**
 * The clients open a connection per request, so each request is either admitted (the service logs it)
 * or not (refused, or reset in the listen backlog when the listener closes: never seen by the service).
 * Every admitted request must be answered 200: the service's own log and the clients must agree.
 */
t.test('SIGTERM under load: every admitted request is answered 200, then the process exits 0', async (t) => {
  const system = await startSystem(t)
  const email = await registerUser(system)
  const credentials: Array<Record<string, string>> = [{ authorization: `Bearer ${(await tokens(system, email)).access_token}` }, { cookie: (await session(system, email)).cookie }]
  const port = await freePort()
  const child = spawn(process.execPath, ['--import=tsx', 'src/server.ts'], {
    cwd: profileDir,
    env: { ...process.env, PORT: String(port), AUTH_URL: system.auth, REDIS_URL: SHARED_REDIS_URL, REDIS_KEY_PREFIX: system.keyPrefix, SESSION_SECRET: SECRET, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit']
  })
  let log = ''
  child.stdout.on('data', (chunk: Buffer) => { log += chunk.toString() })
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
  let probes = 0
  t.ok(await waitFor(async () => await request(port, credentials[0] ?? {}) === 200 && ++probes > 0, 20_000), 'the profile service is up')

  const outcomes = new Map<string, number>()
  let stopping = false
  const clients = Array.from({ length: 16 }, async (_, i) => {
    for (;;) {
      const outcome = await request(port, credentials[i % 2] ?? {})
      outcomes.set(String(outcome), (outcomes.get(String(outcome)) ?? 0) + 1)
      if (stopping && outcome === 'refused') return
    }
  })
  await new Promise((resolve) => setTimeout(resolve, 700))
  stopping = true
  child.kill('SIGTERM')
  await Promise.all(clients)
  t.equal(await exited, 0, 'exits 0')
  const summary = [...outcomes].map(([outcome, n]) => `${outcome}×${n}`).join(' ')
  t.ok((outcomes.get('200') ?? 0) > 100, `under load: ${summary}`)
  t.same([...outcomes.keys()].filter((outcome) => !['200', 'refused', 'dropped'].includes(outcome)), [], 'every answer is a 200')
  const lines = log.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { msg?: string, req?: { url?: string }, res?: { statusCode?: number } })
  const admitted = lines.filter((line) => line.msg === 'incoming request' && line.req?.url === '/v1/me').length
  const answered = lines.filter((line) => line.msg === 'request completed' && line.res?.statusCode === 200).length
  t.equal(answered, admitted, `the service answered 200 to all ${admitted} requests it admitted`)
  t.equal((outcomes.get('200') ?? 0) + probes, admitted, 'and the clients received every one of those answers')
})
