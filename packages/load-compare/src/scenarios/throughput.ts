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
  return { runs: await againstTextbook(harness, [representative, ...runs]), ceilings }
}

/**
 * The textbook Fastify app's bare route, measured once after the modes, and every row's ratio to it: the
 * same process's bare route flatters a process whose every request is heavy (docs/bench.md). Its own row
 * is not bracketed by authpair's ceiling: it is another process, faster than that ceiling by design.
 */
async function againstTextbook (harness: Harness, runs: RunRecord[]): Promise<RunRecord[]> {
  const reference = harness.textbookBare()
  if (reference === undefined) return runs
  const textbook = await harness.run(reference.spec, { scenario: 'throughput', target: reference.target })
  if (textbook.rps <= 0) return [...runs, textbook]
  return [...runs, textbook].map((run) => ({ ...run, ratioToTextbookBare: round(run.rps / textbook.rps, 3) }))
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
