import t from 'tap'
import { readFileSync } from 'node:fs'
import { capacityModel, measuredBatches } from '../src/capacity.js'
import { findings } from '../src/findings.js'
import type { CapacityRecord, RedisCeilingRecord, ReportRecord, RunRecord } from '../src/schema.js'
import { CEILING_HEADER, ceilingRows } from '../src/summary.js'

const run = (fields: Partial<RunRecord> & Pick<RunRecord, 'scenario' | 'mode' | 'variant'>): RunRecord => ({
  requests: 10_000,
  rps: 10_000,
  latency: { p50: 1, p90: 2, p99: 3, max: 9 },
  errors: 0,
  non2xx: 0,
  flagged: false,
  cpuMicrosPerRequest: 100,
  redisCommandsPerRequest: 0,
  redisCpuMicrosPerRequest: 0,
  credentialBytes: 90,
  warnings: [],
  ...fields
})

const throughput = [
  run({ scenario: 'throughput', mode: 'session', variant: 'signed cookie + one GET', redisCommandsPerRequest: 1, redisCpuMicrosPerRequest: 2, redisCommandsPerRead: 17.8 }),
  run({ scenario: 'throughput', mode: 'token+denylist', variant: 'cache on', redisCommandsPerRequest: 1, redisCpuMicrosPerRequest: 3, redisCommandsPerRead: 3.2 }),
  run({ scenario: 'throughput', mode: 'token', variant: 'cache on, one token', redisCommandsPerRead: null })
]

const ceilingRow = (command: string, batch: number, ceiling: number): RedisCeilingRecord['measured'][number] =>
  ({
    command,
    batch,
    connections: 50,
    commandsPerSecond: ceiling,
    redisCpuShare: 1,
    ceilingCommandsPerSecond: ceiling
  })

t.test('the Redis ceiling is measured at the depths the reading modes\' requests arrived in', async (t) => {
  t.same(measuredBatches(throughput), [18, 3], 'the session run\'s 17.8 commands per read and the denylist\'s 3.2, rounded')
  t.same(measuredBatches(throughput.filter((row) => row.mode === 'token')), [], 'no reading mode, no extra batch')
})

t.test('each mode\'s Redis limit rests on the ceiling at its own measured depth', async (t) => {
  const measured = [1, 4, 16, 18].flatMap((batch) => [
    ceilingRow('session GET', batch, batch * 100_000),
    ceilingRow('denylist MGET (3 absent keys)', batch, batch * 50_000)
  ])
  const capacity = capacityModel(throughput, measured)
  t.equal(capacity?.redisCeiling?.assumedBatch, 18, 'the session depth itself, not the benchmark\'s 16')
  const session = capacity?.modes.find((mode) => mode.mode === 'session')
  t.equal(session?.redisBatch, 18)
  t.equal(session?.redisCeilingRps, 1_800_000)
  const denylist = capacity?.modes.find((mode) => mode.mode === 'token+denylist')
  t.equal(denylist?.redisBatch, 4, 'the denylist\'s own depth (3.2), nearest measured batch: 4')
  t.equal(denylist?.redisCeilingRps, 200_000)
  const token = capacity?.modes.find((mode) => mode.mode === 'token')
  t.equal(token?.redisCeilingRps, null, 'no Redis work, no Redis limit')
})

// Store distance, open loop: latencies in microseconds, and "nothing" only within what the rounds moved them by.
const distanceRow = (mode: RunRecord['mode'], addedRttMs: number, p50: number, p50Spread?: number): RunRecord => run({
  scenario: 'store-distance',
  mode,
  variant: `+${addedRttMs} ms store RTT, 500 req/s offered`,
  addedRttMs,
  offeredRate: 500,
  rps: 500,
  latency: { p50, p90: p50 * 1.2, p99: p50 * 2, p999: p50 * 3, max: p50 * 5 },
  ...p50Spread === undefined
    ? {}
    : {
        repeats: {
          count: 3,
          rps: { min: 499, max: 500 },
          p50: { min: p50 - p50Spread / 2, max: p50 + p50Spread / 2 },
          p99: { min: 1, max: 2 },
          flagged: 0
        }
      }
})

const reportWith = (runs: RunRecord[]): ReportRecord => ({
  meta: {} as ReportRecord['meta'],
  trust: { trustworthy: true, warnings: [], policy: { tolerance: 0.15 } } as unknown as ReportRecord['trust'],
  runs,
  revocation: [],
  capacity: null,
  skipped: []
})

const distanceFinding = (runs: RunRecord[]) => findings(reportWith(runs)).find((sentence) => sentence.startsWith('Each millisecond'))

t.test('store distance: a change within the rounds\' spread is nothing measurable, in microseconds', async (t) => {
  const sentence = distanceFinding([
    distanceRow('session', 0, 0.4, 0.02), distanceRow('token', 0, 0.3, 0.04),
    distanceRow('session', 5, 5.4, 0.03), distanceRow('token', 5, 0.31, 0.02)
  ])
  t.match(sentence, /session 1\.00 ms of median latency \(p50 0\.400 ms → 5\.40 ms\)/)
  t.match(sentence, /token nothing measurable \(p50 0\.300 ms → 0\.310 ms, within the 0\.0400 ms the rounds moved it by\)/)
  t.match(sentence, /at 500 req\/s offered \(open loop\)/)
  t.notMatch(sentence, / 0 ms/, 'no median rounded to zero')
})

t.test('store distance: without repeats, no "nothing": the change as measured', async (t) => {
  const sentence = distanceFinding([distanceRow('token', 0, 0.3), distanceRow('token', 5, 0.31)])
  t.match(sentence, /token 0\.00200 ms of median latency \(p50 0\.300 ms → 0\.310 ms\)/)
  t.notMatch(sentence, /nothing/)
})

t.test('the ceiling table calls a row saturated exactly when the Redis CPU it shows is 90 % or more', async (t) => {
  const committed = JSON.parse(readFileSync(new URL('../../../docs/report.json', import.meta.url), 'utf8')) as ReportRecord
  const capacity = committed.capacity as CapacityRecord
  const rows = ceilingRows(capacity)
  t.ok(rows.length > 0, 'the committed report measured the ceiling')
  const share = CEILING_HEADER.indexOf('Redis CPU')
  const saturated = CEILING_HEADER.indexOf('saturated')
  for (const row of rows) {
    t.equal(row[saturated] === 'yes', parseInt(row[share] ?? '', 10) >= 90, `${row[0] ?? ''} at batches of ${row[1] ?? ''}: ${row[share] ?? ''}`)
  }
})
