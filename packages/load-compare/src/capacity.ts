import { isReference, type CapacityRecord, type ModeName, type ModelCheckRecord, type RedisCeilingRecord, type RunRecord } from './schema.js'
import { round } from './numbers.js'

export const INSTANCE_COUNTS = [1, 2, 4, 8, 16, 32, 64]
export const SHARD_COUNTS = [1, 3]

/** The command a mode's requests send Redis, as the ceiling measurement names it. */
const COMMAND_OF: Partial<Record<ModeName, string>> = { 'token+denylist': 'denylist MGET (3 absent keys)' }
const SESSION_GET = 'session GET'

/** Modes whose requests read Redis, and so whose batching depth the Redis ceiling is measured at. */
const READING_MODES: ModeName[] = ['session', 'token+denylist']

/**
 * The batches the Redis ceiling should be measured at besides its fixed ones: the commands per read event
 * that the reading modes' throughput runs actually sent (what auto-pipelining batched), rounded.
 */
export function measuredBatches (throughputRuns: RunRecord[]): number[] {
  const depths = READING_MODES.flatMap((mode) => {
    const depth = throughputRuns.find((run) => run.mode === mode && !run.variant.includes('tokens'))?.redisCommandsPerRead
    return depth == null || depth <= 0 ? [] : [Math.max(1, Math.round(depth))]
  })
  return [...new Set(depths)]
}

/**
 * From the measured per-request costs of the throughput runs, a projection of throughput against the
 * number of profile instances (one core each): each instance serves 1e6 / (CPU µs per request), and
 * one Redis core serves the measured ceiling of the mode's command (at the batch nearest to what the mode's
 * own run sent per read event) over its commands per request; without that measurement, 1e6 / (CPU µs per
 * command × commands per request) from the busy run, an estimate. Redis Cluster spreads sessions and per-user keys
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
  const batches = [...new Set(measured?.map((row) => row.batch) ?? [])]
  const nearest = (depth: number | null | undefined) => {
    if (batches.length === 0) return null
    const distance = (batch: number) => Math.abs(Math.log(batch / (depth ?? 1)))
    return batches.reduce((best, batch) => distance(batch) < distance(best) ? batch : best)
  }
  const assumedBatch = nearest(measuredBatch)
  const measuredCeiling = (command: string, batch: number | null) =>
    measured?.find((row) => row.command === command && row.batch === batch)?.ceilingCommandsPerSecond
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
    const redisBatch = perRequestCommands === 0 ? null : nearest(run.redisCommandsPerRead ?? measuredBatch)
    const ceiling = measuredCeiling(COMMAND_OF[run.mode] ?? SESSION_GET, redisBatch)
    modes.push({
      mode: run.mode,
      variant: run.variant,
      cpuMicrosPerRequest: run.cpuMicrosPerRequest,
      redisCommandsPerRequest: round(perRequestCommands, 3),
      perInstanceRps: Math.round(1e6 / run.cpuMicrosPerRequest),
      redisCeilingRps: perRequestCommands === 0
        ? null
        : ceiling === undefined ? fromCpu : Math.round(ceiling / perRequestCommands),
      redisCeilingFromCpuRps: fromCpu,
      ...ceiling === undefined ? {} : { redisBatch, redisCommandsPerRead: run.redisCommandsPerRead ?? null }
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
