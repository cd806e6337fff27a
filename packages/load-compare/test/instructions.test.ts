import t from 'tap'
import { readFileSync } from 'node:fs'
import { callsInto, totalOf } from '../src/instructions/callgrind.js'
import { CpuTime } from '../src/instructions/cpu-time.js'
import { measureInstructions } from '../src/instructions/measure.js'
import type { InstructionRun } from '../src/instructions/measure.js'
import { formatInstructionTable, ratioPairs, summarize } from '../src/instructions/summary.js'
import { hasCommand } from '../src/services.js'
import { startStack } from '../src/stack.js'

// A dump as callgrind writes it: names compressed to `(id)` after their first use, `calls=` after each callee.
const DUMP = `events: Ir
summary: 0
fn=(1) main
cfn=(2) Runtime_DefineKeyedOwnPropertyInLiteral
calls=3 0
0 120
cfn=(3) other
calls=5 0
0 50
fn=(4) caller
cfn=(2)
calls=4 0
0 80
totals: 12345
`

t.test('a dump\'s total, and the calls into one function whoever makes them', async (t) => {
  t.equal(totalOf(DUMP), 12345, 'the totals line, not the summary before it')
  t.equal(callsInto(DUMP, 'Runtime_DefineKeyedOwnPropertyInLiteral'), 7)
  t.equal(callsInto(DUMP, 'other'), 5)
  t.equal(callsInto(DUMP, 'absent'), 0)
  t.throws(() => totalOf('events: Ir\n'), /without totals/)
})

t.test('the committed runs after the cuts agree within 3 % on every figure, as docs/bench.md says', async (t) => {
  const run = (name: string) =>
    JSON.parse(readFileSync(new URL(`../../../docs/bench/instructions-after-${name}.json`, import.meta.url), 'utf8')) as InstructionRun
  const [first, second] = [summarize(run('run1')), summarize(run('run2'))]
  t.equal(first.length, second.length, 'the same figures')
  for (const [index, row] of first.entries()) {
    const other = second[index]
    const label = `${row.figure.server} ${row.figure.role ?? ''} ${row.figure.mode}, ${row.figure.variant}`
    t.ok(other !== undefined && Math.abs(other.eventLoop - row.eventLoop) / row.eventLoop <= 0.03, label)
  }
})

t.test('the instruction bench counts every route of an authpair process', {
  skip: hasCommand('valgrind') ? false : 'valgrind not installed',
  timeout: 600_000
}, async (t) => {
  const stack = await startStack({ roles: [] })
  t.teardown(async () => { await stack.close() })
  // A smoke run of one process: a few hundred requests, too few for the figures to mean more than their order.
  const run = await measureInstructions(stack, { requests: 200, warmup: 200, connections: 4, rounds: 1, only: ['stateless'] })
  const rows = summarize(run)
  const figure = (mode: string) => rows.find((row) => row.figure.server === 'authpair' && row.figure.mode === mode)
  for (const mode of ['ceiling', 'session', 'token']) {
    const row = figure(mode)
    t.ok(row !== undefined && row.eventLoop > 10 && row.allThreads >= row.eventLoop, `${mode}: counted, on the event loop and over all threads`)
  }
  t.ok((figure('session')?.eventLoop ?? 0) > (figure('ceiling')?.eventLoop ?? Infinity), 'a session check costs more than no check')
  t.equal(figure('ceiling')?.overOwnBare, 1)
  t.match(formatInstructionTable(run), /authpair \(stateless\) +ceiling, bare route, no auth/)
})

t.test('CPU time counts what the event loop spent while the work ran, not before or after', async (t) => {
  // Busy for `ms` of this thread's own CPU time, whatever else the machine is doing.
  const busy = (ms: number) => {
    const cpu = () => { const { user, system } = process.threadCpuUsage(); return (user + system) / 1000 }
    const end = cpu() + ms
    while (cpu() < end);
  }
  busy(30) // before the sample: not counted
  const counts = await new CpuTime().sample(process.pid, async () => { busy(60) })
  busy(30) // after: not counted either
  const ms = counts.eventLoop / 1e6
  t.ok(ms >= 55 && ms < 80, `60 ms of busy work counted as ${ms.toFixed(1)} ms of the event loop's CPU`)
  t.ok(counts.allThreads >= counts.eventLoop, 'every thread counts at least the event loop')
})

t.test('instruction ratios beside CPU-time ratios, route by route, over each process\'s own bare route', async (t) => {
  const figure = (mode: string, variant: string, eventLoop: number, role = 'stateless') =>
    ({ server: 'authpair', role, mode, variant, eventLoop: [eventLoop], allThreads: [eventLoop] })
  const instructions = { figures: [figure('ceiling', 'bare', 100), figure('session', 'one GET', 140), figure('ceiling', 'bare', 100, 'push'), figure('token+push', 'cache on', 120, 'push')] }
  const cpuTime = { figures: [figure('ceiling', 'bare', 30), figure('session', 'one GET', 54), figure('ceiling', 'bare', 40, 'push'), figure('token+push', 'cache on', 48, 'push')] }
  const pairs = ratioPairs(instructions, cpuTime)
  t.same(pairs.map(({ figure, instructions, cpuTime }) => [figure.mode, instructions, cpuTime]), [['session', 1.4, 1.8], ['token+push', 1.2, 1.2]],
    'bare routes left out; each ratio to the bare route of its own process')
  t.equal(Math.round((pairs[0]?.difference ?? 0) * 1000), 286, 'session: CPU time put it 29 % further from its bare route than instructions did')
})
