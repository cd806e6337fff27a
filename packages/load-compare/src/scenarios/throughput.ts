import type { Harness, ModeSpec } from '../harness.js'
import type { RunRecord } from '../schema.js'

/** Closed loop: every connection sends its next request as soon as the answer arrives. Max req/s. */
export async function throughput (harness: Harness, specs: ModeSpec[]): Promise<RunRecord[]> {
  const runs: RunRecord[] = []
  for (const spec of specs) runs.push(await harness.run(spec, { scenario: 'throughput' }))
  return runs
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
