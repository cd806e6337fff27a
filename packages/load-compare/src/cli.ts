// `pnpm compare`: measures sessions against tokens under real HTTP load and reports it.
import { writeFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { compare, SCENARIOS, type ScenarioFlag } from './compare.js'
import { readInstructionRuns } from './instructions/read.js'
import { renderReport } from './report/html.js'
import { readReport } from './report/read.js'
import { summaryText } from './summary.js'

const HELP = `Usage: pnpm compare [options]

Starts its own Redis (redis-server) or uses REDIS_URL, an auth service and one profile instance per mode,
creates its own user and credentials, measures, prints a summary and optionally writes JSON and HTML.

  --quick                 every scenario, short runs: about two minutes (twelve processes boot first)
  --duration SECONDS      per run (default 10; 1 with --quick)
  --connections N         concurrent connections (default 100)
  --pipelining N          requests in flight per connection, closed-loop runs (default 1)
  --rate N                offered req/s of the fixed-rate runs (default: half the slowest mode)
  --many-tokens N         distinct tokens of the many-token variants (default 1000; 100 with --quick)
  --scenarios LIST        comma-separated, of: ${SCENARIOS.join(', ')} (default: all)
  --arrivals KIND         open-loop arrivals of the fixed-rate and outage runs: constant or poisson (default constant)
  --repeat N              rounds of every scenario but fanout and redis-ceiling; rows show the median round and the range
  --tolerance FRACTION    how far the bare-route ceiling may move before rows are marked untrustworthy (default 0.1)
  --strict                exit 3 when the run is marked untrustworthy (the report is still written)
  --json FILE             write the results (schema: packages/load-compare/src/schema.ts)
  --report FILE.html      write a self-contained HTML report with charts
  --auth-url URL          measure a running deployment instead (with --profile-url; e.g. the compose stack)
  --profile-url URL
  --redis-url URL         where to read Redis's counters (and the Redis to use when redis-server is absent)
  --instructions-from F   comma-separated JSON of \`pnpm bench --instructions --json F\` runs: the report's instruction
                          counts per request (two runs show how well they reproduce)
  --from F.json           measure nothing: read a report written by --json and print and write it again (with this
                          version's wording; --instructions-from and --cpu-time-from replace the runs in it)
  --cpu-time-from F       JSON of a \`pnpm bench --cpu-time --json F\` run on a quiet machine: its ratios beside the
                          instruction ratios, to show what instructions leave out
  -h, --help`

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    duration: { type: 'string' },
    connections: { type: 'string' },
    pipelining: { type: 'string' },
    rate: { type: 'string' },
    'many-tokens': { type: 'string' },
    scenarios: { type: 'string' },
    arrivals: { type: 'string', default: 'constant' },
    repeat: { type: 'string' },
    tolerance: { type: 'string' },
    strict: { type: 'boolean', default: false },
    json: { type: 'string' },
    report: { type: 'string' },
    'auth-url': { type: 'string' },
    'profile-url': { type: 'string' },
    'redis-url': { type: 'string' },
    'instructions-from': { type: 'string' },
    'cpu-time-from': { type: 'string' },
    from: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false }
  }
})

if (values.help) {
  console.log(HELP)
  process.exit(0)
}

function positive (name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  const value = Number(text)
  if (!Number.isFinite(value) || value <= 0) fail(`--${name} must be a positive number, got "${text}"`)
  return value
}

function fail (message: string): never {
  console.error(`${message}\n\n${HELP}`)
  process.exit(2)
}

const scenarios = (values.scenarios?.split(',').map((name) => name.trim()) ?? [...SCENARIOS]) as ScenarioFlag[]
const unknown = scenarios.filter((name) => !(SCENARIOS as readonly string[]).includes(name))
if (unknown.length > 0) fail(`unknown scenario: ${unknown.join(', ')}`)

if (values.arrivals !== 'constant' && values.arrivals !== 'poisson') fail(`--arrivals must be constant or poisson, got "${values.arrivals}"`)
const repeat = positive('repeat', values.repeat)
if (repeat !== undefined && !Number.isInteger(repeat)) fail(`--repeat must be a whole number, got "${values.repeat ?? ''}"`)
const tolerance = positive('tolerance', values.tolerance)

const instructions = values['instructions-from'] === undefined
  ? undefined
  : await readInstructionRuns(values['instructions-from'].split(',')).catch((error: Error) => fail(error.message))
const [cpuTime] = values['cpu-time-from'] === undefined
  ? []
  : await readInstructionRuns([values['cpu-time-from']], 'cpu-time').catch((error: Error) => fail(error.message))

const begun = performance.now()
const report = values.from !== undefined
  ? await readReport(values.from, { instructions, cpuTime }).catch((error: Error) => fail(error.message))
  : await compare({
    quick: values.quick,
    duration: positive('duration', values.duration),
    connections: positive('connections', values.connections),
    pipelining: positive('pipelining', values.pipelining),
    rate: positive('rate', values.rate),
    manyTokens: positive('many-tokens', values['many-tokens']),
    arrivals: values.arrivals,
    repeat,
    policy: tolerance === undefined ? {} : { tolerance },
    scenarios,
    authUrl: values['auth-url'],
    profileUrl: values['profile-url'],
    redisUrl: values['redis-url'] ?? process.env.REDIS_URL,
    instructions,
    cpuTime,
    progress: process.stderr.isTTY,
    log: (line) => console.error(`[${((performance.now() - begun) / 1000).toFixed(1)} s] ${line}`)
  })

console.log(summaryText(report))
if (values.json !== undefined) {
  await writeFile(values.json, `${JSON.stringify(report, null, 2)}\n`)
  console.error(`JSON written to ${values.json}`)
}
if (values.report !== undefined) {
  await writeFile(values.report, await renderReport(report))
  console.error(`Report written to ${values.report}`)
}
if (values.strict && !report.trust.trustworthy) {
  console.error('--strict: the run is marked untrustworthy (see the warnings above); exit 3')
  process.exit(3)
}
