import { Redis } from 'ioredis'
import { sessionCommands } from '@authpair/session-store'
import { AuthClient, type Session } from './auth-client.js'
import { runLoad, type LoadOptions, type LoadResult } from './load.js'
import { runOpenLoop, type Arrivals } from './open-loop.js'
import { MachineSampler } from './machine-load.js'
import { round } from './numbers.js'
import { processCpuMicros } from './process-cpu.js'
import { naiveSessionCookie } from './naive/login.js'
import { RedisStats } from './redis-stats.js'
import type { ModeName, RunRecord, ScenarioName } from './schema.js'
import type { ProfileRole, Stack } from './stack.js'

/** Which credential a mode's requests carry. */
export type Credential = 'none' | 'cookie' | 'bearer' | 'many-bearers'

/** The reference row of the textbook Fastify app (src/textbook/server.ts). */
export const TEXTBOOK_MODE = 'fastify (textbook)'

/** One line of a comparison: a mode, on the profile instance configured for it, with its credential. */
export interface ModeSpec {
  mode: ModeName
  variant: string
  role: ProfileRole
  credential: Credential
}

export interface Settings {
  duration: number
  /** Seconds of unrecorded load before each run, or only before a profile instance's first run. */
  warmup: number
  warmupEveryRun: boolean
  connections: number
  pipelining: number
  manyTokens: number
  /** Arrivals of the open-loop (fixed-rate and outage) runs. */
  arrivals: Arrivals
  progress: boolean
  /** A line per finished run (scenario, mode, variant, its req/s), so a long compare says where it is. */
  onRunDone?: (line: string) => void
}

export interface RunOptions {
  scenario: ScenarioName
  variantSuffix?: string
  /** Requests per second, offered open loop; unset: closed loop (autocannon), as fast as answers come. */
  rate?: number
  connections?: number
  duration?: number
  onAnswer?: LoadOptions['onAnswer']
  /** Skip the warm-up (runs that share a clock, like the outage). */
  noWarmup?: boolean
  extra?: Partial<RunRecord>
  /** Another server than the spec's profile instance (the naive baseline), with its own credential headers. */
  target?: { url: string, pid?: number, headerSets: Array<Record<string, string>> }
}

/** The stack, the credentials of this tool's own user, and a way to measure one run. */
export class Harness {
  private constructor (
    readonly stack: Stack,
    readonly settings: Settings,
    readonly client: AuthClient,
    readonly session: Session,
    private tokens: string[],
    private readonly redis: RedisStats | undefined
  ) {
    this.machine = new MachineSampler(stack.external ? undefined : () => stack.pids())
  }

  /** This user's access tokens (one per refresh): they expire (ACCESS_TOKEN_TTL), so long runs renew them. */
  get bearers (): string[] { return this.tokens }
  get bearer (): string { return this.tokens[0] as string }

  /** Fresh access tokens, as many as before: every round of `--repeat` starts with some (15 min lifetime). */
  async renewTokens (): Promise<void> {
    this.tokens = await this.client.manyAccessTokens(this.tokens.length)
  }

  /** Tells the machine's other work from this tool's own, run by run. */
  readonly machine: MachineSampler

  static async create (stack: Stack, settings: Settings): Promise<Harness> {
    const client = new AuthClient(stack.auth)
    await client.register()
    const session = await client.session()
    const bearers = await client.manyAccessTokens(Math.max(1, settings.manyTokens))
    let redis: RedisStats | undefined
    if (stack.redisUrl !== undefined) {
      redis = new RedisStats(stack.redisUrl)
      await redis.connect().catch(() => { redis = undefined })
    }
    return new Harness(stack, settings, client, session, bearers, redis)
  }

  close (): void { this.redis?.close() }

  headerSets (credential: Credential): Array<Record<string, string>> {
    if (credential === 'cookie') return [{ cookie: this.session.cookie }]
    if (credential === 'bearer') return [{ authorization: `Bearer ${this.bearer}` }]
    if (credential === 'many-bearers') return this.bearers.map((token) => ({ authorization: `Bearer ${token}` }))
    return [{}]
  }

  target (spec: ModeSpec): { url: string, pid?: number } {
    const target = this.stack.profiles[spec.role]
    if (target === undefined) throw new Error(`no profile instance for ${spec.role}`)
    return { url: `${target.url}${pathOf(spec)}`, pid: target.pid }
  }

  /**
   * The naive express server's routes as reference rows: its session (a cookie from its own login route)
   * and this user's access token, verified by jsonwebtoken. None when the stack has no naive server.
   */
  async naiveReference (): Promise<Array<{ spec: ModeSpec, target: NonNullable<RunOptions['target']> }>> {
    const naive = this.stack.naive
    if (naive === undefined) return []
    const cookie = await naiveSessionCookie(naive.url, { id: 'load-compare', email: this.client.email, name: 'Load Compare' })
    const spec = (variant: string): ModeSpec => ({ mode: 'express (naive)', variant, role: 'stateless', credential: 'none' })
    return [
      { spec: spec('express-session + connect-redis'), target: { url: `${naive.url}/v1/me`, pid: naive.pid, headerSets: [{ cookie }] } },
      { spec: spec('jsonwebtoken, no cache'), target: { url: `${naive.url}/v1/me`, pid: naive.pid, headerSets: this.headerSets('bearer') } }
    ]
  }

  /** The textbook Fastify app's bare route, the floor every throughput ratio is also given to; none without it. */
  textbookBare (): { spec: ModeSpec, target: NonNullable<RunOptions['target']> } | undefined {
    const textbook = this.stack.textbook
    if (textbook === undefined) return undefined
    return {
      spec: { mode: TEXTBOOK_MODE, variant: 'bare route, no auth', role: 'stateless', credential: 'none' },
      target: { url: `${textbook.url}/bench/bare`, pid: textbook.pid, headerSets: [{}] }
    }
  }

  /** The stored record of this tool's session, as the auth service wrote it (for the Redis ceiling's real GET). */
  async sessionValue (): Promise<string> {
    if (this.stack.redisUrl === undefined) throw new Error('the session record needs the stack\'s Redis')
    const redis = new Redis(this.stack.redisUrl)
    try {
      let cursor = '0'
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${this.stack.env.REDIS_KEY_PREFIX ?? ''}${sessionCommands.pattern}`, 'COUNT', 1000)
        const value = keys[0] === undefined ? null : await redis.get(keys[0])
        if (value !== null) return value
        cursor = next
      } while (cursor !== '0')
      throw new Error('no session record found in Redis')
    } finally {
      redis.disconnect()
    }
  }

  private readonly warmed = new Set<string>()

  /** Closed-loop load, not recorded: a process that has served nothing yet is slow (the JIT is at work). */
  async warmUp (spec: ModeSpec): Promise<void> {
    await this.warmUpUrl(this.target(spec).url, this.headerSets(spec.credential))
  }

  /** Warms every instance these specs use, all at once: one warm-up period instead of one each. */
  async warmUpAll (specs: ModeSpec[]): Promise<void> {
    const byUrl = new Map(specs.map((spec) => [this.target(spec).url, spec]))
    await Promise.all([...byUrl.values()].map(async (spec) => { await this.warmUp(spec) }))
  }

  private async warmUpUrl (url: string, headerSets: Array<Record<string, string>>): Promise<void> {
    this.warmed.add(url)
    if (this.settings.warmup <= 0) return
    await runLoad({ url, title: 'warm-up', headerSets, duration: this.settings.warmup, connections: this.settings.connections, pipelining: 1 })
  }

  /** A warm-up (not recorded), then the measured run with the profile's CPU and Redis's counters around it. */
  async run (spec: ModeSpec, options: RunOptions): Promise<RunRecord> {
    const { url, pid } = options.target ?? this.target(spec)
    const headerSets = options.target?.headerSets ?? this.headerSets(spec.credential)
    const variant = [spec.variant, options.variantSuffix].filter(Boolean).join(', ')
    const load = {
      url,
      headerSets,
      connections: options.connections ?? this.settings.connections,
      pipelining: options.rate === undefined ? this.settings.pipelining : 1,
      rate: options.rate
    }
    const warmUp = options.noWarmup !== true && (this.settings.warmupEveryRun || !this.warmed.has(url))
    if (warmUp) await this.warmUpUrl(url, headerSets)
    const cpuBefore = processCpuMicros(pid)
    const machineBefore = this.machine.snapshot()
    const redisBefore = await this.redis?.snapshot()
    const duration = options.duration ?? this.settings.duration
    const result: LoadResult & { latency: { p999?: number }, sendLagP99?: number } = options.rate === undefined
      ? await runLoad({ ...load, title: `${spec.mode} ${variant}`, duration, onAnswer: options.onAnswer, progress: this.settings.progress })
      : await runOpenLoop({
        url,
        headerSets,
        rate: options.rate,
        duration,
        arrivals: this.settings.arrivals,
        connections: load.connections,
        onAnswer: options.onAnswer
      })
    const cpuAfter = processCpuMicros(pid)
    this.settings.onRunDone?.(`  ${options.scenario} · ${spec.mode} · ${variant}: ${Math.round(result.rps).toLocaleString('en-US')} req/s`)
    const machine = this.machine.between(machineBefore, this.machine.snapshot())
    const redisAfter = await this.redis?.snapshot()
    // A Redis restarted during the run (the outage) starts its counters again: no delta to read then.
    const restarted = (redisAfter?.commands ?? 0) < (redisBefore?.commands ?? 0)
    const redisDelta = redisBefore === undefined || redisAfter === undefined || restarted
      ? undefined
      : {
          commands: redisAfter.commands - redisBefore.commands,
          cpuMicros: redisAfter.cpuMicros - redisBefore.cpuMicros,
          reads: redisAfter.reads - redisBefore.reads
        }
    const perRequest = (delta: number | undefined) =>
      delta === undefined || result.requests === 0 ? null : round(delta / result.requests, 3)
    return {
      scenario: options.scenario,
      mode: spec.mode,
      variant,
      requests: result.requests,
      rps: round(result.rps, 1),
      latency: result.latency,
      errors: result.errors,
      non2xx: result.non2xx,
      flagged: result.errors + result.non2xx > 0,
      cpuMicrosPerRequest: perRequest(cpuBefore === undefined || cpuAfter === undefined
        ? undefined
        : cpuAfter - cpuBefore),
      redisCommandsPerRequest: perRequest(redisDelta?.commands),
      redisCpuMicrosPerRequest: perRequest(redisDelta?.cpuMicros),
      redisCommandsPerRead: redisDelta === undefined || redisDelta.reads <= 0
        ? null
        : round(redisDelta.commands / redisDelta.reads, 2),
      credentialBytes: credentialBytes(headerSets),
      machine,
      warnings: [],
      generator: options.rate === undefined
        ? 'closed loop (autocannon), whole milliseconds'
        : `open loop, ${this.settings.arrivals} arrivals, from intended start, µs`,
      ...(result.sendLagP99 === undefined ? {} : { sendLagP99Ms: result.sendLagP99 }),
      ...(options.rate === undefined ? {} : { offeredRate: options.rate }),
      ...options.extra
    }
  }
}

export const pathOf = (spec: ModeSpec): string => spec.mode === 'ceiling' ? '/bench/bare' : '/v1/me'

/** Bytes of the credential header line (`name: value\r\n`), averaged over the sets in use. */
function credentialBytes (headerSets: Array<Record<string, string>>): number {
  let total = 0
  for (const headers of headerSets) {
    for (const [name, value] of Object.entries(headers)) total += Buffer.byteLength(`${name}: ${value}\r\n`)
  }
  return Math.round(total / headerSets.length)
}
