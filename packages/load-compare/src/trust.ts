import { median } from './numbers.js'
import type { RunRecord, TrustRecord } from './schema.js'

/** When a number stops being one a person can defend. */
export interface TrustPolicy {
  /** How far the bare-route ceiling may move (before vs after a run, or across the run) before rows are marked. */
  tolerance: number
  /** CPU other processes may use during a run, in cores, before it is marked. */
  otherCores: number
  /** CPU the hypervisor may take (steal), in cores. */
  stealCores: number
  /** How late the open-loop generator may send (p99, ms) before its own delay is in the latencies. */
  sendLagMs: number
}

export const DEFAULT_POLICY: TrustPolicy = { tolerance: 0.1, otherCores: 0.25, stealCores: 0.1, sendLagMs: 5 }

const percent = (fraction: number): string => `${Math.round(fraction * 100)} %`

/** Why one run's numbers may not be trusted; none when nothing was noticed. */
export function runWarnings (run: RunRecord, policy: TrustPolicy): string[] {
  const warnings: string[] = []
  if (run.scenario !== 'outage' && run.errors + run.non2xx > 0) {
    warnings.push(`${run.errors} errors and ${run.non2xx} non-2xx answers`)
  }
  const { otherCores, stealCores } = run.machine ?? { otherCores: null, stealCores: null }
  if (otherCores !== null && otherCores > policy.otherCores) {
    warnings.push(`other processes used ${otherCores.toFixed(2)} cores during the run`)
  }
  if (stealCores !== null && stealCores > policy.stealCores) {
    warnings.push(`the hypervisor took ${stealCores.toFixed(2)} cores (steal time)`)
  }
  if (run.sendLagP99Ms !== undefined && run.sendLagP99Ms > policy.sendLagMs) {
    warnings.push(`the load generator sent late (p99 ${run.sendLagP99Ms.toFixed(1)} ms after the intended start): ` +
      'its own delay is in these latencies')
  }
  if (run.ceilingRps !== undefined) {
    const { before, after } = run.ceilingRps
    const moved = Math.abs(after - before) / ((before + after) / 2)
    if (moved > policy.tolerance) {
      warnings.push(`the ceiling moved ${percent(moved)} across the run (${Math.round(before)} before, ${Math.round(after)} after)`)
    }
  }
  if (run.ratioToCeiling !== undefined && run.ratioToCeiling > 1) {
    warnings.push(`faster than its own ceiling (${run.ratioToCeiling.toFixed(2)}×): the machine changed under it`)
  }
  return warnings
}

/**
 * Marks every run and sums up: the ceiling's spread over all its measurements, and the warnings a reader
 * must see before any number.
 */
export function assessTrust (runs: RunRecord[], ceilings: number[], policy: TrustPolicy): TrustRecord {
  for (const run of runs) run.warnings = runWarnings(run, policy)
  const warnings: string[] = []
  const spread = ceilings.length < 2 ? null : (Math.max(...ceilings) - Math.min(...ceilings)) / median(ceilings)
  if (spread !== null && spread > policy.tolerance) {
    warnings.push(`The bare-route ceiling ranged from ${Math.round(Math.min(...ceilings))} to ` +
      `${Math.round(Math.max(...ceilings))} req/s over ${ceilings.length} measurements (${percent(spread)} of its median; ` +
      `tolerance ${percent(policy.tolerance)}): the machine's speed changed during the run.`)
  }
  const marked = runs.filter((run) => run.warnings.length > 0)
  if (marked.length > 0) {
    const reasons = [...new Set(marked.flatMap((run) => run.warnings.map(kindOf)))]
    warnings.push(`${marked.length} of ${runs.length} runs are marked (${reasons.join('; ')}).`)
  }
  return {
    trustworthy: warnings.length === 0,
    policy,
    ceilingRps: ceilings.map(Math.round),
    ceilingSpread: spread === null ? null : Math.round(spread * 1000) / 1000,
    warnings
  }
}

/** The kind of a run's warning, without its numbers, to sum them up. */
function kindOf (warning: string): string {
  if (warning.includes('other processes')) return 'other processes busy'
  if (warning.includes('steal')) return 'hypervisor steal'
  if (warning.includes('ceiling moved')) return 'ceiling moved'
  if (warning.includes('faster than')) return 'faster than its ceiling'
  if (warning.includes('generator')) return 'load generator late'
  return 'errors'
}
