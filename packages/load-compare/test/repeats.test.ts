import t from 'tap'
import { micros } from '../src/numbers.js'
import { mergeRevocations, mergeRounds } from '../src/repeats.js'
import { summaryRow } from '../src/summary.js'
import type { RevocationRecord, RunRecord } from '../src/schema.js'

const run = (rps: number, p99: number, warnings: string[] = [], p50 = 5): RunRecord => ({
  scenario: 'throughput',
  mode: 'session',
  variant: 'signed cookie + one GET',
  requests: rps * 10,
  rps,
  latency: { p50, p90: 8, p99, max: 30 },
  errors: 0,
  non2xx: 0,
  flagged: false,
  cpuMicrosPerRequest: 1e6 / rps,
  redisCommandsPerRequest: 1,
  redisCpuMicrosPerRequest: 1,
  credentialBytes: 90,
  warnings
})

t.test('--repeat: each row is the median round, with the range over all rounds', async (t) => {
  const merged = mergeRounds([[run(9000, 14, [], 6)], [run(12_000, 9, ['the ceiling moved 20 %'])], [run(10_000, 11, [], 4)]])
  t.equal(merged.length, 1)
  const [row] = merged as [RunRecord]
  t.equal(row.rps, 10_000, 'the round with the median req/s, whole (its CPU and latencies belong to it)')
  t.equal(row.cpuMicrosPerRequest, 100)
  t.same(row.repeats, {
    count: 3,
    rps: { min: 9000, max: 12_000 },
    p50: { min: 4, max: 6 },
    cpuMicros: { min: 1e6 / 12_000, max: 1e6 / 9000 },
    p99: { min: 9, max: 14 },
    flagged: 1
  },
  'req/s, p50, CPU µs and p99 ranges over the rounds')
})

t.test('one round is left as it is', async (t) => {
  const only = [run(9000, 14)]
  t.equal(mergeRounds([only])[0], only[0])
})

t.test('revocation samples of every round together', async (t) => {
  const entry = (samplesMs: number[]): RevocationRecord =>
    ({ mode: 'session', action: 'DELETE /v1/sessions/current', lagMs: samplesMs.length === 0 ? null : samplesMs[0] as number, samplesMs })
  const [merged] = mergeRevocations([[entry([3, 4])], [entry([9])], [entry([2, 5])]])
  t.same(merged?.samplesMs, [3, 4, 9, 2, 5])
  t.equal(merged?.lagMs, 4)
  const [never] = mergeRevocations([[{ ...entry([]), mode: 'token' }], [{ ...entry([]), mode: 'token' }]])
  t.equal(never?.lagMs, null, 'still accepted in every round')
})

t.test('rows of one mode with another cause or fault stay rows of their own', async (t) => {
  const healthy: RevocationRecord = { mode: 'token+push', action: 'POST /v1/tokens/revoke', lagMs: 2, samplesMs: [2] }
  const quiet: RevocationRecord = { ...healthy, lagMs: 1500, samplesMs: [1500], fault: 'push subscriber silent', boundMs: 2000 }
  const changed: RevocationRecord = { ...healthy, action: 'PUT /v1/users/me/password', lagMs: 3, samplesMs: [3], cause: 'password change' }
  const merged = mergeRevocations([[healthy, quiet, changed], [healthy, quiet, changed]])
  t.same(merged.map((entry) => [entry.lagMs, entry.samplesMs]), [[2, [2, 2]], [1500, [1500, 1500]], [3, [3, 3]]],
    'a silent connection\'s lag is not averaged into the healthy one')
})

t.test('CPU µs to 0.1 only where the rounds agree within 1 µs', async (t) => {
  t.equal(micros(52.74, { min: 52.3, max: 53.1 }), '52.7')
  t.equal(micros(52.74, { min: 48.2, max: 57.9 }), '53', 'rounds 10 µs apart support whole µs at best')
  t.equal(micros(52.74), '53', 'one round: no spread known')
  const [spread] = mergeRounds([[run(9000, 14)], [run(12_000, 9)], [run(10_000, 11)]])
  t.equal(summaryRow(spread as RunRecord)[12], '100', 'the summary table: 83–111 µs over the rounds, so whole µs')
})
