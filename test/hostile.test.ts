import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import t from 'tap'
import { hostileCorpus, type HostileRequest } from './hostile/corpus.js'
import { sendRaw } from './hostile/raw-http.js'
import { me, privateJwk, registerUser, startSystem, tokens } from './helpers.js'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

const SIZE = 10_000
const WORKERS = 16

t.test(`${SIZE} hostile requests: no 5xx, no crash, every error the contract's JSON body, bounded memory`, async (t) => {
  const system = await startSystem(t)
  const ports = { auth: Number(new URL(system.auth).port), profile: Number(new URL(system.profile).port) }
  const corpus = hostileCorpus({ privateJwk, issuer: 'http://127.0.0.1:3001', audience: 'authpair' }, SIZE)
  const failures: string[] = []
  const statuses = new Map<number, number>()
  const kinds = new Map<string, number>()
  let sent = 0
  let heapAfterWarmUp = 0
  const describe = (request: HostileRequest) => `${request.kind} ${request.service}: ${request.bytes.subarray(0, 160).toString('latin1').replace(/\r\n/g, ' | ')}`

  async function worker (): Promise<void> {
    for (let next = corpus.next(); next.done !== true; next = corpus.next()) {
      const request = next.value
      sent++
      if (sent === 2000) { gc(); heapAfterWarmUp = process.memoryUsage().heapUsed }
      kinds.set(request.kind, (kinds.get(request.kind) ?? 0) + 1)
      const answer = await sendRaw(ports[request.service], request.bytes)
      if (answer === null) { failures.push(`no answer: ${describe(request)}`); continue }
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1)
      if (answer.status >= 500 || answer.status < 100) { failures.push(`${answer.status}: ${describe(request)} -> ${answer.body.toString().slice(0, 200)}`); continue }
      if (answer.status < 400 || request.method === 'HEAD') continue
      let body: { error?: unknown, message?: unknown } = {}
      try { body = JSON.parse(answer.body.toString()) } catch {}
      if (typeof body.error !== 'string' || typeof body.message !== 'string') failures.push(`${answer.status} without the error body: ${describe(request)} -> ${answer.body.toString().slice(0, 200)}`)
    }
  }
  await Promise.all(Array.from({ length: WORKERS }, worker))
  gc()
  const growth = (process.memoryUsage().heapUsed - heapAfterWarmUp) / 2 ** 20

  t.equal(sent, SIZE, `${SIZE} requests sent: ${[...kinds].map(([kind, n]) => `${kind} ${n}`).join(', ')}`)
  t.same(failures.slice(0, 40), [], `${failures.length} bad answers; statuses: ${[...statuses].sort(([a], [b]) => a - b).map(([status, n]) => `${status}×${n}`).join(' ')}`)
  t.ok(growth < 64, `heap grew ${growth.toFixed(1)} MiB over the last ${SIZE - 2000} requests (both services and this test share the heap)`)

  // Still serving, for real users.
  t.equal((await fetch(`${system.auth}/healthz`)).status, 200)
  t.equal((await fetch(`${system.profile}/healthz`)).status, 200)
  const pair = await tokens(system, await registerUser(system))
  t.equal((await me(system, { authorization: `Bearer ${pair.access_token}` })).status, 200, 'a real user still gets in')
})
