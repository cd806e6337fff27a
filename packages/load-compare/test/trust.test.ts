import t from 'tap'
import type { RunRecord } from '../src/schema.js'
import { assessTrust, DEFAULT_POLICY, runWarnings } from '../src/trust.js'

/** A clean throughput row; each test spoils one thing. */
const run = (changes: Partial<RunRecord> = {}): RunRecord => ({
  scenario: 'throughput',
  mode: 'session',
  variant: 'signed cookie + one GET',
  requests: 100_000,
  rps: 10_000,
  latency: { p50: 5, p90: 8, p99: 12, max: 30 },
  errors: 0,
  non2xx: 0,
  flagged: false,
  cpuMicrosPerRequest: 60,
  redisCommandsPerRequest: 1,
  redisCpuMicrosPerRequest: 1,
  credentialBytes: 90,
  machine: { otherCores: 0.02, stealCores: 0, loadAverage1m: 1.9 },
  ceilingRps: { before: 12_000, after: 12_400 },
  ratioToCeiling: 0.82,
  warnings: [],
  ...changes
})

t.test('a clean run is not marked, and the report is trustworthy', async (t) => {
  t.same(runWarnings(run(), DEFAULT_POLICY), [])
  const trust = assessTrust([run()], [12_000, 12_400, 12_200], DEFAULT_POLICY)
  t.equal(trust.trustworthy, true)
  t.same(trust.warnings, [])
  t.equal(trust.ceilingSpread, 0.033)
})

t.test('each kind of trouble marks the row with its numbers', async (t) => {
  const cases: Array<[string, Partial<RunRecord>, RegExp]> = [
    ['errors', { errors: 3, non2xx: 2 }, /3 errors and 2 non-2xx/],
    ['a busy machine', { machine: { otherCores: 0.93, stealCores: 0, loadAverage1m: 3 } }, /other processes used 0\.93 cores/],
    ['a noisy neighbour', { machine: { otherCores: 0, stealCores: 0.4, loadAverage1m: 2 } }, /hypervisor took 0\.40 cores/],
    ['a moving ceiling', { ceilingRps: { before: 6157, after: 13060 } }, /ceiling moved 72 %.*6157 before, 13060 after/],
    ['a mode beating its ceiling', { ratioToCeiling: 1.04 }, /faster than its own ceiling \(1\.04×\)/],
    ['a late generator', { sendLagP99Ms: 14.8 }, /load generator sent late \(p99 14\.8 ms/]
  ]
  for (const [name, changes, expected] of cases) {
    const warnings = runWarnings(run(changes), DEFAULT_POLICY)
    t.equal(warnings.length, 1, name)
    t.match(warnings[0], expected, name)
  }
})

t.test('an outage run is not marked for the failures it exists to show', async (t) => {
  const outage = run({ scenario: 'outage', non2xx: 900, errors: 10, ceilingRps: undefined, ratioToCeiling: undefined })
  t.same(runWarnings(outage, DEFAULT_POLICY), [])
})

t.test('the tolerance is the user\'s: a 15 % move passes at 0.2, not at 0.1', async (t) => {
  const moved = run({ ceilingRps: { before: 10_000, after: 11_600 } })
  t.equal(runWarnings(moved, DEFAULT_POLICY).length, 1)
  t.same(runWarnings(moved, { ...DEFAULT_POLICY, tolerance: 0.2 }), [])
})

t.test('the summary: the ceiling\'s spread over the run, and how many rows are marked and why', async (t) => {
  const busy = { otherCores: 1, stealCores: 0, loadAverage1m: 3 }
  const runs = [run(), run({ ratioToCeiling: 1.1 }), run({ machine: busy })]
  const trust = assessTrust(runs, [6157, 17_895, 12_000], DEFAULT_POLICY)
  t.equal(trust.trustworthy, false)
  t.match(trust.warnings[0], /ranged from 6157 to 17895 req\/s over 3 measurements \(98 % of its median/)
  t.match(trust.warnings[1], /2 of 3 runs are marked \(faster than its ceiling; other processes busy\)/)
  t.same(runs.map((entry) => entry.warnings.length), [0, 1, 1], 'the rows carry their own warnings')
})
