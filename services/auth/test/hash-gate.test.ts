import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { GateFull, HashGate } from '../src/lib/hash-gate.js'

/** A unit of work that holds its slot until released. */
function held () {
  let release = () => {}
  const done = new Promise<void>((resolve) => { release = resolve })
  return { work: async () => { await done }, release: () => release() }
}

t.test('at most `concurrency` run, a short queue waits, and beyond it the gate says no at once', async (t) => {
  const gate = new HashGate({ concurrency: 3, queue: 2 })
  const jobs = Array.from({ length: 4 }, held)
  const running = jobs.map(async (job) => await gate.run('anonymous', job.work))
  await sleep(5)
  t.same(gate.load, { running: 2, waiting: 2 }, 'anonymous work leaves one slot to the owners: 2 run, 2 wait')
  const started = performance.now()
  await t.rejects(gate.run('anonymous', async () => {}), GateFull, 'the fifth is refused')
  t.ok(performance.now() - started < 20, 'at once')

  const owner = held()
  const ownerRun = gate.run('owner', owner.work)
  await sleep(5)
  t.same(gate.load, { running: 3, waiting: 2 }, 'an owner takes the reserved slot while the anonymous queue is full')
  owner.release()
  await ownerRun
  for (const job of jobs) job.release()
  await Promise.all(running)
  t.same(gate.load, { running: 0, waiting: 0 }, 'everything admitted ran')
})

t.test('owners waiting are served before anonymous work', async (t) => {
  const gate = new HashGate({ concurrency: 2, queue: 5 })
  const order: string[] = []
  const first = held()
  const ownerFirst = held()
  const a = gate.run('anonymous', first.work)
  const o = gate.run('owner', ownerFirst.work)
  await sleep(5)
  const queued = [gate.run('anonymous', async () => { order.push('anonymous') }), gate.run('owner', async () => { order.push('owner') })]
  first.release()
  ownerFirst.release()
  await Promise.all([a, o, ...queued])
  t.same(order, ['owner', 'anonymous'])
})

t.test('a failing hash gives its slot back', async (t) => {
  const gate = new HashGate({ concurrency: 1, queue: 0 })
  await t.rejects(gate.run('anonymous', async () => { throw new Error('scrypt failed') }), /scrypt failed/)
  t.same(gate.load, { running: 0, waiting: 0 })
  t.equal(await gate.run('anonymous', async () => 42), 42)
})
