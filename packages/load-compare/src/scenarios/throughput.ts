import type { Harness, ModeSpec, RunOptions } from '../harness.js'
import { median, round } from '../numbers.js'
import type { RunRecord } from '../schema.js'

export interface ThroughputResult {
  /** One row per mode, and one for the ceiling: its median measurement. */
  runs: RunRecord[]
  /** Every measurement of the ceiling, in order: before the first mode, then after each. */
  ceilings: number[]
}

/**
 * Closed loop: every connection sends its next request as soon as the answer arrives. Max req/s. The
 * bare route (same code, same core) is measured before the first mode and after every mode, so each
 * mode's ratio is to the ceiling of its own moment, and a machine that changes speed shows.
 */
export async function throughput (harness: Harness, specs: ModeSpec[]): Promise<ThroughputResult> {
  const ceiling = specs.find((spec) => spec.mode === 'ceiling')
  const modes: Array<{ spec: ModeSpec, target?: RunOptions['target'] }> = [
    ...specs.filter((spec) => spec !== ceiling).map((spec) => ({ spec })),
    ...await harness.naiveReference()
  ]
  const runs: RunRecord[] = []
  if (ceiling === undefined) {
    for (const { spec, target } of modes) runs.push(await harness.run(spec, { scenario: 'throughput', target }))
    return { runs, ceilings: [] }
  }
  const ceilingRuns = [await harness.run(ceiling, { scenario: 'throughput' })]
  for (const { spec, target } of modes) {
    const run = await harness.run(spec, { scenario: 'throughput', target })
    const before = ceilingRuns.at(-1) as RunRecord
    const after = await harness.run(ceiling, { scenario: 'throughput' })
    ceilingRuns.push(after)
    const ratioToCeiling = round(run.rps / ((before.rps + after.rps) / 2), 3)
    runs.push({ ...run, ceilingRps: { before: before.rps, after: after.rps }, ratioToCeiling })
  }
  const ceilings = ceilingRuns.map((run) => run.rps)
  const middle = median(ceilings)
  const offMiddle = (run: RunRecord) => Math.abs(run.rps - middle)
  const representative = ceilingRuns.reduce((best, run) => offMiddle(run) < offMiddle(best) ? run : best)
  return { runs: [representative, ...runs], ceilings }
}

/**
 * Open loop at one offered rate for every mode, so that a slow answer cannot hold back the requests
 * behind it (closed-loop coordinated omission): the latencies compare like for like.
 */
export async function fixedRate (harness: Harness, specs: ModeSpec[], rate: number): Promise<RunRecord[]> {
  const runs: RunRecord[] = []
  for (const spec of specs) {
    runs.push(await harness.run(spec, { scenario: 'fixed-rate', rate, variantSuffix: `${rate} req/s offered` }))
  }
  return runs
}

/** The offered rate for the fixed-rate scenario: half of what the slowest mode managed, so every mode keeps up. */
export function defaultRate (throughputRuns: RunRecord[]): number {
  const measured = throughputRuns.filter((run) => run.mode !== 'ceiling' && run.rps > 0).map((run) => run.rps)
  if (measured.length === 0) return 1000
  return Math.max(100, Math.round(Math.min(...measured) / 2 / 100) * 100)
}
