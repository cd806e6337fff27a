import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface, type Interface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import { sampleRecord, sessionCommands } from '@authpair/session-store'
import { OwnRedis } from '@authpair/testing'
import { median, round } from '../numbers.js'
import { cpuMicrosOf, infoField } from '../redis-stats.js'
import type { FanoutRecord } from '../schema.js'
import { pinProcess } from '../services.js'

export interface FanoutPlan {
  /** Sessions every subscriber has read (so tracked), and as many writes per measurement. */
  sessions: number
  subscriberCounts: number[]
  /** CPU for Redis, and for the subscribers and this driver. */
  redisCpu?: number
  otherCpu?: number
}

const SUBSCRIBER = fileURLToPath(new URL('../fanout/subscriber.ts', import.meta.url))
const RECORD = sampleRecord('fanout')
const TTL_MS = 3_600_000

interface Subscriber { child: ChildProcess, lines: Interface, next: () => Promise<string> }

async function startSubscriber (env: Record<string, string>, cpu: number | undefined): Promise<Subscriber> {
  const child = spawn(process.execPath, ['--import', 'tsx', SUBSCRIBER], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'inherit'] })
  if (cpu !== undefined && child.pid !== undefined) pinProcess(child.pid, cpu)
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })
  const queue: string[] = []
  const waiting: Array<(line: string) => void> = []
  lines.on('line', (line) => { const resolve = waiting.shift(); if (resolve === undefined) queue.push(line); else resolve(line) })
  const next = async () => await new Promise<string>((resolve) => {
    const line = queue.shift()
    if (line === undefined) waiting.push(resolve)
    else resolve(line)
  })
  if (await next() !== 'ready') throw new Error('fan-out subscriber did not start')
  return { child, lines, next }
}

async function invalidationsOf (subscribers: Subscriber[]): Promise<number> {
  let total = 0
  for (const subscriber of subscribers) {
    subscriber.child.stdin?.write('count\n')
    total += Number(await subscriber.next())
  }
  return total
}

/** Redis's CPU so far (user + system), in microseconds, and its tracking table's size. */
async function redisCounters (redis: Redis): Promise<{ cpuMicros: number, trackedItems: number, usedMemory: number }> {
  const info = await redis.info()
  return {
    cpuMicros: cpuMicrosOf(info),
    trackedItems: infoField(info, 'tracking_total_items'),
    usedMemory: infoField(info, 'used_memory')
  }
}

/** Writes every session once (a touch: SET XX), or as many keys nobody read (logins); Redis CPU per write. */
async function writeAll (redis: Redis, sessions: number, kind: 'existing' | 'new'): Promise<number> {
  const before = await redisCounters(redis)
  for (let i = 0; i < sessions; i += 200) {
    const batch = redis.pipeline()
    for (let j = i; j < Math.min(sessions, i + 200); j++) {
      const [command, ...args] = kind === 'existing'
        ? sessionCommands.write(`s${j}`, RECORD, TTL_MS, true)
        : sessionCommands.write(`new${j}`, RECORD, TTL_MS)
      batch.call(command as string, ...args)
    }
    await batch.exec()
  }
  return ((await redisCounters(redis)).cpuMicros - before.cpuMicros) / sessions
}

/**
 * What tracking costs Redis: N subscriber processes (each a TrackingSessionCache that has read every
 * session) while every session is written once (touches), then as many new keys (logins). Measured per
 * write: invalidation messages sent and Redis CPU, against the same writes with no subscriber; for both
 * tracking modes (default: only readers are told; BCAST: everyone is told of every write under the prefix).
 */
export async function fanout (plan: FanoutPlan): Promise<FanoutRecord> {
  const measured = await measureFanout(plan)
  return { ...measured, ...trackingAtScale(measured) }
}

type Measured = Omit<FanoutRecord, 'scale' | 'scaleAssumptions'>

/**
 * A fleet of 100 profile instances over one Redis: what tracking's writes and invalidations cost it. The
 * assumptions are stated in the record: a million active sessions touched once a minute (the default touch
 * interval), 200 logins and 100 logouts a second, and, in default mode, each session read by 6 instances
 * between two writes (a user making a request every 10 s, spread by the load balancer).
 */
export function trackingAtScale (measured: Measured, instances = 100): Pick<FanoutRecord, 'scale' | 'scaleAssumptions'> {
  const assumptions = {
    activeSessions: 1_000_000,
    loginsPerSecond: 200,
    logoutsPerSecond: 100,
    touchIntervalSeconds: 60,
    instancesHoldingASession: 6
  }
  const touches = assumptions.activeSessions / assumptions.touchIntervalSeconds
  const writes = assumptions.loginsPerSecond + assumptions.logoutsPerSecond + touches
  const perMessage = measured.redisCpuMicrosPerMessage ?? 0
  const base = measured.baselineCpuMicrosPerWrite
  const baseCpu = (touches + assumptions.logoutsPerSecond) * base.existing + assumptions.loginsPerSecond * base.new
  // From the run with the most subscribers: connection buffers spread over the most items.
  const widest = measured.rows.filter((row) => row.tracking === 'default' && row.trackingBytesPerItem !== null)
    .sort((a, b) => b.subscribers - a.subscribers)[0]
  const bytesPerItem = widest?.trackingBytesPerItem ?? 0
  const scale: FanoutRecord['scale'] = []
  // default: a new session (login) is read by nobody yet; a touched or logged-out one by the instances holding it.
  const defaultMessages = (touches + assumptions.logoutsPerSecond) * assumptions.instancesHoldingASession
  // bcast: every write to a session key goes to every instance.
  const bcastMessages = writes * instances
  for (const [tracking, messages] of [['default', defaultMessages], ['bcast', bcastMessages]] as const) {
    scale.push({
      tracking,
      instances,
      writesPerSecond: Math.round(writes),
      messagesPerSecond: Math.round(messages),
      redisCoreShare: round((baseCpu + messages * perMessage) / 1e6, 3),
      trackingMemoryMiB: tracking === 'bcast'
        ? 0
        : round(assumptions.activeSessions * assumptions.instancesHoldingASession * bytesPerItem / 2 ** 20, 1)
    })
  }
  return { scale, scaleAssumptions: assumptions }
}

async function measureFanout (plan: FanoutPlan): Promise<Measured> {
  const own = await OwnRedis.start()
  if (plan.redisCpu !== undefined && own.pid !== undefined) pinProcess(own.pid, plan.redisCpu)
  const redis = new Redis(own.url)
  const rows: Measured['rows'] = []
  let baseline = { existing: 0, new: 0 }
  try {
    const prepare = async () => {
      await redis.flushall()
      for (let i = 0; i < plan.sessions; i += 500) {
        const batch = redis.pipeline()
        for (let j = i; j < Math.min(plan.sessions, i + 500); j++) {
          const [command, ...args] = sessionCommands.write(`s${j}`, RECORD, TTL_MS)
          batch.call(command as string, ...args)
        }
        await batch.exec()
      }
    }
    await prepare()
    // The writes alone, nobody tracking: what a session write costs Redis without tracking.
    baseline = { existing: await writeAll(redis, plan.sessions, 'existing'), new: await writeAll(redis, plan.sessions, 'new') }
    for (const tracking of ['default', 'bcast'] as const) {
      for (const count of plan.subscriberCounts) {
        await prepare()
        const memoryBefore = (await redisCounters(redis)).usedMemory
        const subscribers = await Promise.all(Array.from({ length: count }, async () => await startSubscriber({
          REDIS_URL: own.url, TRACKING: tracking, SESSIONS: String(plan.sessions)
        }, plan.otherCpu)))
        const tracked = await redisCounters(redis)
        try {
          for (const kind of ['existing', 'new'] as const) {
            const before = await invalidationsOf(subscribers)
            const cpu = await writeAll(redis, plan.sessions, kind)
            // Messages still on their way are counted once every subscriber has gone quiet.
            let received = before
            for (let previous = -1; received !== previous;) {
              previous = received
              await new Promise((resolve) => setTimeout(resolve, 200))
              received = await invalidationsOf(subscribers)
            }
            rows.push({
              tracking,
              subscribers: count,
              write: kind,
              messagesPerWrite: round((received - before) / plan.sessions),
              redisCpuMicrosPerWrite: round(cpu),
              trackedItems: kind === 'existing' ? tracked.trackedItems : null,
              trackingBytesPerItem: kind === 'existing' && tracked.trackedItems > 0
                ? round((tracked.usedMemory - memoryBefore) / tracked.trackedItems)
                : null
            })
          }
        } finally {
          for (const subscriber of subscribers) subscriber.child.stdin?.end()
          await Promise.all(subscribers.map(async ({ child }) => await new Promise((resolve) => {
            if (child.exitCode !== null) resolve(null)
            else child.once('exit', resolve)
          })))
        }
      }
    }
  } finally {
    redis.disconnect()
    await own.stop()
  }
  // Extra Redis CPU per invalidation message: the slope over the runs that sent messages.
  const perMessage = rows.filter((row) => row.messagesPerWrite > 0).map((row) =>
    (row.redisCpuMicrosPerWrite - baseline[row.write]) / row.messagesPerWrite)
  return {
    sessions: plan.sessions,
    baselineCpuMicrosPerWrite: { existing: round(baseline.existing), new: round(baseline.new) },
    redisCpuMicrosPerMessage: perMessage.length === 0 ? null : round(median(perMessage)),
    rows
  }
}
