import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { GateFull, HashGate } from '../src/lib/hash-gate.js'

/** A unit of work that holds its slot until released. */
function held () {
  let release = () => {}
  const done = new Promise<void>((resolve) => { release = resolve })
  return { work: async () => { await done }, release: () => release() }
}

let n = 0
const someone = () => [`account:${++n}`]

t.test('at most `concurrency` run, a short queue waits, and beyond it the gate says no at once', async (t) => {
  const gate = new HashGate({ concurrency: 3, queue: 2, maxWaitMs: 5000 })
  const jobs = Array.from({ length: 4 }, held)
  const running = jobs.map(async (job) => await gate.run('anonymous', someone(), job.work))
  await sleep(5)
  t.same(gate.load, { running: 2, waiting: 2 }, 'anonymous work leaves one slot to the owners: 2 run, 2 wait')
  const started = performance.now()
  await t.rejects(gate.run('anonymous', someone(), async () => {}), GateFull, 'the fifth is refused')
  t.ok(performance.now() - started < 20, 'at once')

  const owner = held()
  const ownerRun = gate.run('owner', someone(), owner.work)
  await sleep(5)
  t.same(gate.load, { running: 3, waiting: 2 }, 'an owner takes the reserved slot while the anonymous queue is full')
  owner.release()
  await ownerRun
  for (const job of jobs) job.release()
  await Promise.all(running)
  t.same(gate.load, { running: 0, waiting: 0 }, 'everything admitted ran')
})

t.test('one hash at a time per account and per device: the second is refused at once', async (t) => {
  const gate = new HashGate({ concurrency: 4, queue: 4, maxWaitMs: 5000 })
  const first = held()
  const running = gate.run('owner', ['account:a', 'device:d'], first.work)
  await t.rejects(gate.run('owner', ['account:a', 'device:d'], async () => {}), GateFull, 'the same account and device')
  await t.rejects(gate.run('owner', ['account:b', 'device:d'], async () => {}), GateFull, 'the same device, another account')
  await t.rejects(gate.run('anonymous', ['account:a'], async () => {}), GateFull, 'the same account, without the device')
  t.equal(await gate.run('anonymous', ['account:c'], async () => 'c'), 'c', 'anyone else runs')
  first.release()
  await running
  t.equal(await gate.run('owner', ['account:a', 'device:d'], async () => 'again'), 'again', 'and the account may hash again once done')
})

t.test('a one-slot anonymous lane does not wait for the owners, and the lanes are served in turn', async (t) => {
  const gate = new HashGate({ concurrency: 2, queue: 5, maxWaitMs: 5000 })
  const ownerRunning = held()
  const owner = gate.run('owner', someone(), ownerRunning.work)
  await sleep(5)
  t.equal(await gate.run('anonymous', someone(), async () => 'ran'), 'ran', 'an owner hash running leaves the other slot to anonymous work')

  const blockers = [held(), held()]
  const blocked = [gate.run('anonymous', someone(), (blockers[0] as ReturnType<typeof held>).work)]
  await sleep(5) // both slots taken (the owner's and one anonymous)
  const order: string[] = []
  const queued = [
    gate.run('owner', someone(), async () => { order.push('owner 1') }),
    gate.run('owner', someone(), async () => { order.push('owner 2') }),
    gate.run('anonymous', someone(), async () => { order.push('anonymous 1') }),
    gate.run('owner', someone(), async () => { order.push('owner 3') })
  ]
  ownerRunning.release()
  blockers[0]?.release()
  await Promise.all([owner, ...blocked, ...queued])
  t.same(order.slice(0, 3).sort(), ['anonymous 1', 'owner 1', 'owner 2'], 'a waiting anonymous hash is not left behind every owner')
})

t.test('nobody waits past maxWaitMs: then 503 overloaded', async (t) => {
  const gate = new HashGate({ concurrency: 1, queue: 5, maxWaitMs: 100 })
  const stuck = held()
  const running = gate.run('anonymous', someone(), stuck.work)
  const started = performance.now()
  await t.rejects(gate.run('anonymous', someone(), async () => {}), /no slot within 100 ms/)
  t.ok(performance.now() - started < 400, `gave up after ${(performance.now() - started).toFixed(0)} ms`)
  t.same(gate.load, { running: 1, waiting: 0 }, 'and left the queue')
  stuck.release()
  await running
})

t.test('a failing hash gives its slot and its holders back', async (t) => {
  const gate = new HashGate({ concurrency: 1, queue: 0, maxWaitMs: 1000 })
  await t.rejects(gate.run('anonymous', ['account:x'], async () => { throw new Error('scrypt failed') }), /scrypt failed/)
  t.same(gate.load, { running: 0, waiting: 0 })
  t.equal(await gate.run('anonymous', ['account:x'], async () => 42), 42)
})
