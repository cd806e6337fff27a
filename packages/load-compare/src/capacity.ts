import type { CapacityRecord, RunRecord } from './schema.js'
import { round } from './numbers.js'

export const INSTANCE_COUNTS = [1, 2, 4, 8, 16, 32, 64]
export const SHARD_COUNTS = [1, 3]

/**
 * From the measured per-request costs of the throughput runs, a projection of throughput against the
 * number of profile instances (one core each): each instance serves 1e6 / (CPU µs per request), and
 * Redis (single-threaded) serves 1e6 / (CPU µs per command × commands per request) per shard. Redis
 * Cluster spreads sessions and per-user keys over its shards by hash slot, so shards multiply that ceiling.
 */
export function capacityModel (throughputRuns: RunRecord[]): CapacityRecord | null {
  const sessionRun = throughputRuns.find((run) => run.mode === 'session')
  const redisCpuMicrosPerCommand = sessionRun?.redisCpuMicrosPerRequest != null &&
    sessionRun.redisCommandsPerRequest != null && sessionRun.redisCommandsPerRequest > 0
    ? round(sessionRun.redisCpuMicrosPerRequest / sessionRun.redisCommandsPerRequest)
    : null
  const modes: CapacityRecord['modes'] = []
  for (const run of throughputRuns) {
    if (run.mode === 'ceiling' || run.cpuMicrosPerRequest === null || run.cpuMicrosPerRequest <= 0) continue
    if (run.variant.includes('tokens')) continue // the many-token variants cost the same per request as one token
    const commands = run.redisCommandsPerRequest ?? 0
    // Fractions well below one command per request are background work (touches, pub/sub), not per-request reads.
    const perRequestCommands = commands < 0.05 ? 0 : commands
    modes.push({
      mode: run.mode,
      variant: run.variant,
      cpuMicrosPerRequest: run.cpuMicrosPerRequest,
      redisCommandsPerRequest: round(perRequestCommands, 3),
      perInstanceRps: Math.round(1e6 / run.cpuMicrosPerRequest),
      redisCeilingRps: perRequestCommands === 0 || redisCpuMicrosPerCommand === null
        ? null
        : Math.round(1e6 / (redisCpuMicrosPerCommand * perRequestCommands))
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
  return { redisCpuMicrosPerCommand, modes, projection }
}
