import { isReference, type CapacityRecord, type ModeName, type ModelCheckRecord, type RedisCeilingRecord, type RunRecord } from './schema.js'
import { round } from './numbers.js'

export const INSTANCE_COUNTS = [1, 2, 4, 8, 16, 32, 64]
export const SHARD_COUNTS = [1, 3]

/** The command a mode's requests send Redis, as the ceiling measurement names it. */
const COMMAND_OF: Partial<Record<ModeName, string>> = { 'token+denylist': 'denylist MGET (3 absent keys)' }
const SESSION_GET = 'session GET'

/**
 * From the measured per-request costs of the throughput runs, a projection of throughput against the
 * number of profile instances (one core each): each instance serves 1e6 / (CPU µs per request), and
 * one Redis core serves the measured ceiling of the mode's command (at the batch size the session run
 * sent) over its commands per request; without that measurement, 1e6 / (CPU µs per command × commands
 * per request) from the busy run, an estimate. Redis Cluster spreads sessions and per-user keys
 * over its shards by hash slot, so shards multiply that ceiling.
 */
export function capacityModel (
  throughputRuns: RunRecord[], measured: RedisCeilingRecord['measured'] | null = null, modelChecks: ModelCheckRecord[] = []
): CapacityRecord | null {
  const sessionRun = throughputRuns.find((run) => run.mode === 'session')
  const redisCpuMicrosPerCommand = sessionRun?.redisCpuMicrosPerRequest != null &&
    sessionRun.redisCommandsPerRequest != null && sessionRun.redisCommandsPerRequest > 0
    ? round(sessionRun.redisCpuMicrosPerRequest / sessionRun.redisCommandsPerRequest)
    : null
  const measuredBatch = sessionRun?.redisCommandsPerRead ?? null
  const distance = (batch: number) => Math.abs(Math.log(batch / (measuredBatch ?? 1)))
  const batches = [...new Set(measured?.map((row) => row.batch) ?? [])]
  const assumedBatch = batches.length === 0
    ? null
    : batches.reduce((best, batch) => distance(batch) < distance(best) ? batch : best)
  const measuredCeiling = (command: string) =>
    measured?.find((row) => row.command === command && row.batch === assumedBatch)?.ceilingCommandsPerSecond
  const modes: CapacityRecord['modes'] = []
  for (const run of throughputRuns) {
    if (isReference(run.mode) || run.cpuMicrosPerRequest === null || run.cpuMicrosPerRequest <= 0) continue
    if (run.variant.includes('tokens')) continue // the many-token variants cost the same per request as one token
    const commands = run.redisCommandsPerRequest ?? 0
    // Fractions well below one command per request are background work (touches, pub/sub), not per-request reads.
    const perRequestCommands = commands < 0.05 ? 0 : commands
    const fromCpu = perRequestCommands === 0 || redisCpuMicrosPerCommand === null
      ? null
      : Math.round(1e6 / (redisCpuMicrosPerCommand * perRequestCommands))
    const ceiling = measuredCeiling(COMMAND_OF[run.mode] ?? SESSION_GET)
    modes.push({
      mode: run.mode,
      variant: run.variant,
      cpuMicrosPerRequest: run.cpuMicrosPerRequest,
      redisCommandsPerRequest: round(perRequestCommands, 3),
      perInstanceRps: Math.round(1e6 / run.cpuMicrosPerRequest),
      redisCeilingRps: perRequestCommands === 0
        ? null
        : ceiling === undefined ? fromCpu : Math.round(ceiling / perRequestCommands),
      redisCeilingFromCpuRps: fromCpu
    })
  }
  if (modes.length === 0) return null
  const projection: CapacityRecord['projection'] = []
  for (const mode of modes) {
    for (const redisShards of mode.redisCeilingRps === null ? [1] : SHARD_COUNTS) {
      for (const instances of INSTANCE_COUNTS) {
        const compute = instances * mode.perInstanceRps
        const rps = mode.redisCeilingRps === null ? compute : Math.min(compute, redisShards * mode.redisCeilingRps)
        projection.push({ mode: mode.mode, variant: mode.variant, instances, redisShards, rps })
      }
    }
  }
  const redisCeiling = measured === null ? null : { assumedBatch, measuredBatch, measured }
  return { redisCpuMicrosPerCommand, modes, redisCeiling, modelChecks, projection }
}
