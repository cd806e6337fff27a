import { median } from './numbers.js'
import { revocationLabel, type RevocationRecord, type RunRecord } from './schema.js'

const keyOf = (run: RunRecord): string => `${run.scenario}|${run.mode}|${run.variant}|${run.addedRttMs ?? ''}`

/**
 * The rows of several rounds as one: for each row, the round with the median req/s (the upper of the two
 * middle ones for an even count), with the range of req/s, p50, p99 and CPU µs over all rounds and how many rounds
 * were marked. One round: its rows, unchanged.
 */
export function mergeRounds (rounds: RunRecord[][]): RunRecord[] {
  if (rounds.length <= 1) return rounds[0] ?? []
  const byKey = new Map<string, RunRecord[]>()
  for (const run of rounds.flat()) byKey.set(keyOf(run), [...byKey.get(keyOf(run)) ?? [], run])
  return [...byKey.values()].map((runs) => {
    const sorted = [...runs].sort((a, b) => a.rps - b.rps)
    const chosen = sorted[Math.floor(sorted.length / 2)] as RunRecord
    if (runs.length < 2) return chosen
    const spread = (values: number[]) => ({ min: Math.min(...values), max: Math.max(...values) })
    const cpu = runs.flatMap((run) => run.cpuMicrosPerRequest === null ? [] : [run.cpuMicrosPerRequest])
    return {
      ...chosen,
      repeats: {
        count: runs.length,
        rps: { min: (sorted[0] as RunRecord).rps, max: (sorted.at(-1) as RunRecord).rps },
        p50: spread(runs.map((run) => run.latency.p50)),
        ...cpu.length === runs.length ? { cpuMicros: spread(cpu) } : {},
        p99: spread(runs.map((run) => run.latency.p99)),
        flagged: runs.filter((run) => run.warnings.length > 0).length
      }
    }
  })
}

/** Every round's samples per mode together; the lag is their median (null only if every round saw none refused). */
export function mergeRevocations (rounds: RevocationRecord[][]): RevocationRecord[] {
  if (rounds.length <= 1) return rounds[0] ?? []
  // One row per mode, cause and fault, as each round measured them.
  const byRow = new Map<string, RevocationRecord[]>()
  for (const entry of rounds.flat()) {
    const label = revocationLabel(entry)
    byRow.set(label, [...byRow.get(label) ?? [], entry])
  }
  return [...byRow.values()].map((entries) => {
    const first = entries[0] as RevocationRecord
    const samplesMs = entries.flatMap((entry) => entry.samplesMs)
    const refused = entries.some((entry) => entry.lagMs !== null) && samplesMs.length > 0
    return { ...first, samplesMs, lagMs: refused ? Math.round(median(samplesMs) * 10) / 10 : null }
  })
}
