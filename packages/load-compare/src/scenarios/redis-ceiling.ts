import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { denylistReadCommand } from '@authpair/revocation'
import { sessionCommands } from '@authpair/session-store'
import { OwnRedis } from '@authpair/testing'
import { Redis } from 'ioredis'
import { round } from '../numbers.js'
import { cpuMicrosOf } from '../redis-stats.js'
import type { RedisCeilingRecord } from '../schema.js'
import { pinProcess } from '../services.js'

export interface RedisCeilingPlan {
  /** Commands in flight per connection (redis-benchmark -P): the batches auto-pipelining sends. */
  batches: number[]
  /** Commands per measurement at batch 1 (more for bigger batches, which go faster). */
  commands: number
  connections: number
  /** The core Redis is pinned to, and the one redis-benchmark runs on. */
  redisCpu?: number
  benchCpu?: number
}

/**
 * What a profile request asks of Redis, as the owning packages send it: the session's GET with a real
 * value (a session record as the auth service wrote it), and the denylist's MGET of a token's three keys.
 */
function commandsToMeasure (sessionValue: string): Array<{ name: string, args: string[], setup: string[][] }> {
  const read = sessionCommands.read('ceiling')
  return [
    { name: 'session GET', args: read, setup: [['SET', read[1] as string, sessionValue]] },
    { name: 'denylist MGET (3 absent keys)', args: denylistReadCommand({ sub: randomUUID(), jti: randomUUID(), fid: 'f'.repeat(22) }), setup: [] }
  ]
}

/**
 * Drives a Redis of its own, pinned to one core, with the profile's real reads from many connections at
 * each batch size, with redis-benchmark (C, on the other core, so that the client is not the limit), and
 * reads Redis's own CPU meanwhile: a Redis near 100 % of its core is saturated, and its commands per
 * second is the ceiling. Below that, the client was the limit and the ceiling is extrapolated (marked).
 */
export async function redisCeiling (plan: RedisCeilingPlan, sessionValue: string): Promise<RedisCeilingRecord['measured']> {
  const redis = await OwnRedis.start()
  const client = new Redis(redis.url, { lazyConnect: true })
  try {
    if (plan.redisCpu !== undefined) pinProcess(redis.pid, plan.redisCpu)
    await client.connect()
    const rows: RedisCeilingRecord['measured'] = []
    for (const command of commandsToMeasure(sessionValue)) {
      for (const args of command.setup) await client.call(args[0] as string, ...args.slice(1))
      for (const batch of plan.batches) {
        const cpuBefore = await redisCpuMicros(client)
        const started = performance.now()
        const rps = await redisBenchmark(redis.port, plan, batch, command.args)
        const wallMicros = (performance.now() - started) * 1000
        const share = ((await redisCpuMicros(client)) - cpuBefore) / wallMicros
        rows.push({
          command: command.name,
          batch,
          connections: plan.connections,
          commandsPerSecond: Math.round(rps),
          redisCpuShare: round(share, 2),
          ceilingCommandsPerSecond: Math.round(rps / Math.max(share, 0.01))
        })
      }
    }
    return rows
  } finally {
    client.disconnect()
    await redis.stop()
  }
}

async function redisCpuMicros (client: Redis): Promise<number> {
  return cpuMicrosOf(await client.info('cpu'))
}

/** One redis-benchmark run of `args`; its requests per second. */
async function redisBenchmark (port: number, plan: RedisCeilingPlan, batch: number, args: string[]): Promise<number> {
  const count = Math.min(plan.commands * batch, plan.commands * 16)
  const benchArgs = ['-p', String(port), '-c', String(plan.connections), '-n', String(count), '-P', String(batch), '--csv', ...args]
  const [command, commandArgs] = plan.benchCpu === undefined
    ? ['redis-benchmark', benchArgs]
    : ['taskset', ['-c', String(plan.benchCpu), 'redis-benchmark', ...benchArgs]]
  const child = spawn(command, commandArgs, { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
  // --csv: a header line, then "<command>","<requests per second>",…
  const line = output.trim().split('\n').find((row) => !row.startsWith('"test"') && row.startsWith('"'))
  const rps = Number(line?.split(',')[1]?.replaceAll('"', ''))
  if (code !== 0 || !Number.isFinite(rps)) throw new Error(`redis-benchmark failed (${code}): ${output.slice(-300)}`)
  return rps
}
