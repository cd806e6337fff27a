// `pnpm bench`: GET /v1/me in each mode against the bare route of the same profile process, run back to
// back, against the textbook Fastify app's bare route, and against the naive express + express-session +
// jsonwebtoken version of the same routes.
// The services run on CPU 0, this load generator on CPU 1. Prints the ratios and the targets they meet.
// `pnpm bench --instructions`: the same routes' cost counted in instructions under callgrind (see
// docs/bench.md), against the textbook Fastify app as well; `--json FILE` keeps the run.
// `pnpm bench --cpu-time`: the same samples without valgrind, counting CPU time (user and kernel): on a quiet
// machine, how far its ratios are from the instruction ratios is what instruction counts leave out.
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { Harness, type ModeSpec } from './harness.js'
import { measureInstructions } from './instructions/measure.js'
import { formatInstructionTable } from './instructions/summary.js'
import { throughputModes } from './modes.js'
import { pinSelf } from './services.js'
import { startStack } from './stack.js'
import { formatTable } from './table.js'

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    connections: { type: 'string' },
    instructions: { type: 'boolean', default: false },
    'cpu-time': { type: 'boolean', default: false },
    requests: { type: 'string' },
    warmup: { type: 'string' },
    rounds: { type: 'string' },
    'skip-express': { type: 'boolean', default: false },
    only: { type: 'string' },
    'keep-dumps': { type: 'string' },
    'perf-map': { type: 'boolean', default: false },
    env: { type: 'string', multiple: true },
    cpu: { type: 'string', default: '0' },
    json: { type: 'string' }
  }
})
/**
 * Samples of a fixed number of requests at a fixed concurrency, counted in instructions (callgrind) or CPU
 * time. CPU time runs at full speed: ten times the requests per sample (its clock is the scheduler's, in ns,
 * but a sample must outlast the machine's hiccups) and more rounds, for their median.
 */
const SAMPLING = {
  instructions: { requests: 5000, warmup: 3000, rounds: 2 },
  'cpu-time': { requests: 50_000, warmup: 30_000, rounds: 5 }
} as const

if (values.instructions || values['cpu-time']) {
  await instructionBench(values['cpu-time'] ? 'cpu-time' : 'instructions')
  process.exit(0)
}
const connections = Number(values.connections ?? 100)
const stack = await startStack({ roles: ['stateless', 'no-cache', 'denylist', 'push', 'tracking'], serviceCpu: 0, otherCpu: 1, naive: true })
// After the start: children inherit the affinity of the process that spawns them.
const pinned = pinSelf(1)
try {
  const harness = await Harness.create(stack, {
    duration: Number(values.duration),
    warmup: 2,
    warmupEveryRun: true,
    connections,
    pipelining: 1,
    manyTokens: 1,
    arrivals: 'constant',
    progress: process.stderr.isTTY
  })
  const [naiveSession, naiveToken] = await harness.naiveReference()

  const byVariant = (mode: string, variant: string) =>
    throughputModes(1).find((spec) => spec.mode === mode && spec.variant.startsWith(variant)) as ModeSpec
  const checks = [
    { label: 'session', spec: byVariant('session', ''), target: 0.80, naive: 'session' },
    { label: 'session + tracking', spec: byVariant('session+tracking', ''), target: 0.90, naive: 'session' },
    { label: 'token, verified-token cache on', spec: byVariant('token', 'cache on'), target: 0.90, naive: 'token' },
    { label: 'token, cache off', spec: byVariant('token', 'cache off'), target: undefined, naive: 'token' },
    { label: 'token + push', spec: byVariant('token+push', ''), target: 0.70, naive: 'token' },
    { label: 'token + denylist', spec: byVariant('token+denylist', ''), target: 0.60, naive: 'token' }
  ] as const

  const naiveRps: Record<string, number> = {}
  const ceiling = byVariant('ceiling', '')
  if (naiveSession === undefined || naiveToken === undefined) throw new Error('the naive express server did not start')
  const naiveBare = { ...naiveToken.target, url: naiveToken.target.url.replace('/v1/me', '/bench/bare'), headerSets: [{}] }
  for (const [name, target] of [['bare', naiveBare], ['session', naiveSession.target], ['token', naiveToken.target]] as const) {
    const run = await harness.run(ceiling, { scenario: 'throughput', target })
    if (run.flagged) throw new Error(`naive ${name}: ${run.errors} errors, ${run.non2xx} non-2xx`)
    naiveRps[name] = run.rps
  }
  // The textbook Fastify app's bare route: the floor every ratio is also given to.
  const textbook = harness.textbookBare()
  if (textbook === undefined) throw new Error('the textbook Fastify app did not start')
  const textbookBare = await harness.run(textbook.spec, { scenario: 'throughput', target: textbook.target })
  if (textbookBare.flagged) throw new Error('textbook bare route: errors or non-2xx answers')

  const rows: string[][] = []
  let allMet = true
  for (const check of checks) {
    // The bare route of the same process just before and just after the mode: their mean is the ceiling.
    const bareRun = async () => await harness.run({ ...ceiling, role: check.spec.role }, { scenario: 'throughput' })
    const before = await bareRun()
    const run = await harness.run(check.spec, { scenario: 'throughput' })
    const after = await bareRun()
    if (run.flagged || before.flagged || after.flagged) throw new Error(`${check.label}: errors or non-2xx answers`)
    const bareRps = (before.rps + after.rps) / 2
    const ratio = run.rps / bareRps
    const overNaive = run.rps / (naiveRps[check.naive] as number)
    const met = (check.target === undefined || ratio >= check.target) && overNaive >= 4
    allMet &&= met
    rows.push([check.label, fmt(run.rps), fmt(bareRps), ratio.toFixed(2), check.target === undefined ? '—' : `≥ ${check.target.toFixed(2)}`,
      (run.rps / textbookBare.rps).toFixed(2), `${overNaive.toFixed(1)}× naive ${check.naive}`, met ? 'yes' : 'NO', String(run.cpuMicrosPerRequest)])
  }
  console.log(`\nGET /v1/me, ${values.duration} s per run, ${connections} connections, ${pinned ? 'services on CPU 0, load on CPU 1' : 'not pinned'}`)
  console.log(formatTable(['mode', 'req/s', 'bare req/s', 'ratio', 'target', '/ textbook bare', 'vs naive (≥ 4×)', 'met', 'CPU µs/req'], rows))
  console.log(`textbook Fastify bare route: ${fmt(textbookBare.rps)} req/s (instructions per request, which do not move with the machine: pnpm bench --instructions)`)
  console.log(`naive express: bare ${fmt(naiveRps.bare as number)} req/s, session ${fmt(naiveRps.session as number)} req/s, token ${fmt(naiveRps.token as number)} req/s`)
  console.log(allMet ? 'All targets met.' : 'Some targets NOT met.')
  harness.close()
} finally {
  await stack.close()
}

function fmt (rps: number): string { return Math.round(rps).toLocaleString('en-US') }

async function instructionBench (counter: keyof typeof SAMPLING): Promise<void> {
  const sampling = SAMPLING[counter]
  // The measured server on --cpu, everything else (this load generator, Redis, auth) on another.
  const serviceCpu = Number(values.cpu)
  const otherCpu = serviceCpu === 0 ? 1 : 0
  const stack = await startStack({ roles: [], otherCpu })
  pinSelf(otherCpu)
  try {
    const run = await measureInstructions(stack, {
      requests: Number(values.requests ?? sampling.requests),
      warmup: Number(values.warmup ?? sampling.warmup),
      connections: Number(values.connections ?? 16),
      rounds: Number(values.rounds ?? sampling.rounds),
      counter,
      skipExpress: values['skip-express'],
      perfMap: values['perf-map'],
      env: Object.fromEntries((values.env ?? []).map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)])),
      ...(values['keep-dumps'] === undefined ? {} : { keepDumps: values['keep-dumps'] }),
      ...(values.only === undefined ? {} : { only: values.only.split(',') }),
      cpu: serviceCpu,
      onProgress: (line) => { console.error(line) }
    })
    console.log(formatInstructionTable(run))
    if (values.json !== undefined) writeFileSync(values.json, `${JSON.stringify(run, null, 2)}\n`)
  } finally {
    await stack.close()
  }
}
