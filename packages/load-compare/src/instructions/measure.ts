import { AuthClient } from '../auth-client.js'
import { runLoad } from '../load.js'
import { naiveSessionCookie } from '../naive/login.js'
import { spawnService, type ServiceProcess } from '../services.js'
import { PROFILE_ROLES, type ProfileRole, type Stack } from '../stack.js'
import { Callgrind, type Counter, type Counts } from './callgrind.js'
import { CpuTime } from './cpu-time.js'

/** Who serves a route: an authpair profile instance, the textbook Fastify app or the naive express one. */
export type Server = 'authpair' | 'textbook' | 'express'
type Credential = 'none' | 'cookie' | 'bearer'

export interface RouteSpec {
  /** The mode, as the lab names it (`ceiling` for a bare route). */
  mode: string
  variant: string
  path: string
  credential: Credential
}

interface ProcessSpec {
  server: Server
  /** authpair's profile role (its configuration); the reference apps have none. */
  role?: ProfileRole
  routes: RouteSpec[]
}

const bare = (variant = 'bare route, no auth'): RouteSpec => ({ mode: 'ceiling', variant, path: '/bench/bare', credential: 'none' })

/** Every process measured and the routes each serves; each process measures its own bare route too. */
export const PROCESSES: ProcessSpec[] = [
  {
    server: 'authpair',
    role: 'stateless',
    routes: [
      bare(),
      { mode: 'session', variant: 'signed cookie + one GET', path: '/v1/me', credential: 'cookie' },
      { mode: 'token', variant: 'cache on', path: '/v1/me', credential: 'bearer' }
    ]
  },
  { server: 'authpair', role: 'tracking', routes: [bare(), { mode: 'session+tracking', variant: 'session from memory', path: '/v1/me', credential: 'cookie' }] },
  { server: 'authpair', role: 'no-cache', routes: [bare(), { mode: 'token', variant: 'cache off (RS256 verify)', path: '/v1/me', credential: 'bearer' }] },
  { server: 'authpair', role: 'push', routes: [bare(), { mode: 'token+push', variant: 'cache on', path: '/v1/me', credential: 'bearer' }] },
  { server: 'authpair', role: 'denylist', routes: [bare(), { mode: 'token+denylist', variant: 'cache on', path: '/v1/me', credential: 'bearer' }] },
  {
    server: 'textbook',
    routes: [
      bare('bare route'),
      { mode: 'session', variant: '@fastify/session, one GET', path: '/v1/me/session', credential: 'cookie' },
      { mode: 'token', variant: '@fastify/jwt, RS256', path: '/v1/me/token', credential: 'bearer' }
    ]
  },
  {
    server: 'express',
    routes: [
      bare('bare route'),
      { mode: 'session', variant: 'express-session + connect-redis', path: '/v1/me', credential: 'cookie' },
      { mode: 'token', variant: 'jsonwebtoken, RS256', path: '/v1/me', credential: 'bearer' }
    ]
  }
]

export interface InstructionSettings {
  /** Requests counted per sample. */
  requests: number
  /** Requests per route before counting starts (V8 compiles the hot paths). */
  warmup: number
  /** Fixed concurrency of every sample: how many requests share an event-loop turn changes the count. */
  connections: number
  /** Samples per route, in rounds over the routes of a process. */
  rounds: number
  /** Leave the naive express app out (its uncached token path is ~30× dearer to simulate). */
  skipExpress?: boolean
  /** Keep callgrind's dumps in this directory, for callgrind_annotate. */
  keepDumps?: string
  /** Settings every measured server starts with, over the bench's own (e.g. `REDIS_AUTO_PIPELINING=false`). */
  env?: Record<string, string>
  /** Also write V8's /tmp/perf-<pid>.map, which names the JIT-compiled functions of a dump (`name-jit`). */
  perfMap?: boolean
  /** Measure only these processes (`textbook`, `express`, or an authpair role such as `stateless`). */
  only?: string[]
  /** The CPU the measured process is pinned to. */
  cpu?: number
  /** Count instructions under callgrind (the default), or CPU time without it, to compare on a quiet machine. */
  counter?: Counter['unit']
  onProgress?: (line: string) => void
}

export interface Figure {
  server: Server
  role?: ProfileRole
  mode: string
  variant: string
  /** Thousands of instructions (µs of CPU for a `cpu-time` run) per request on the event-loop thread, one per round. */
  eventLoop: number[]
  /** The same over every thread of the process. */
  allThreads: number[]
}

export interface InstructionRun {
  settings: Omit<InstructionSettings, 'onProgress'>
  /** What the figures count; runs written before CPU time could be measured are instructions. */
  unit?: Counter['unit']
  node: string
  figures: Figure[]
  /** Processes started again because they fell into the slow `nextTick` state (see `SLOW_TICK`). */
  restarts: number
}

/**
 * A V8 state a process can enter at random (seen on Node 24 when the per-request floor was first measured,
 * before these flags): Node's own stream code then builds its `process.nextTick` objects through this runtime
 * call, ~27 times per request, ~35k instructions more on every route. A process that shows it after warm-up
 * is replaced; `restarts` in the run says how often that happened (never, in the committed runs).
 */
export const SLOW_TICK = 'Runtime_DefineKeyedOwnPropertyInLiteral'
const SLOW_TICK_CALLS_PER_REQUEST = 2
const MAX_STARTS = 4

/** Node flags of every measured process: a fixed young generation, and no memory reducer (see docs/bench.md). */
export const NODE_FLAGS = ['--no-memory-reducer', '--min-semi-space-size=32']

/**
 * Counts the instructions each route costs per request, each process under callgrind in turn, over the Redis
 * and auth service of `stack`. Counts exclude start-up and warm-up: instrumentation is on only around a sample.
 */
export async function measureInstructions (stack: Stack, settings: InstructionSettings): Promise<InstructionRun> {
  const say = settings.onProgress ?? (() => {})
  const counter: Counter = settings.counter === 'cpu-time' ? new CpuTime() : new Callgrind('127.0.0.1', settings.keepDumps)
  const under = counter.unit === 'instructions' ? 'under callgrind' : 'for CPU time'
  const unit = counter.unit === 'instructions' ? 'k instructions' : 'µs of CPU'
  const client = new AuthClient(stack.auth)
  await client.register()
  const figures: Figure[] = []
  let restarts = 0
  try {
    for (const spec of PROCESSES) {
      if (spec.server === 'express' && settings.skipExpress === true) continue
      if (settings.only !== undefined && !settings.only.includes(spec.role ?? spec.server)) continue
      const name = spec.role === undefined ? spec.server : `${spec.server} (${spec.role})`
      let started: Started | undefined
      for (let attempt = 1; started === undefined; attempt++) {
        say(`${name}: starting ${under}${attempt > 1 ? ` (attempt ${attempt})` : ''}`)
        const candidate = await start(stack, spec, client, counter, settings)
        if (!candidate.slow || attempt >= MAX_STARTS) {
          started = candidate
          if (candidate.slow) say(`${name}: still in the slow nextTick state after ${attempt} starts; measured anyway`)
        } else {
          say(`${name}: slow nextTick state (${candidate.slowCalls.toFixed(1)} ${SLOW_TICK} calls per request); starting again`)
          restarts++
          await candidate.service.stop()
        }
      }
      const { service, headers } = started
      try {
        const rows = spec.routes.map((route): Figure => ({
          server: spec.server,
          ...(spec.role === undefined ? {} : { role: spec.role }),
          mode: route.mode,
          variant: route.variant,
          eventLoop: [],
          allThreads: []
        }))
        for (let round = 1; round <= settings.rounds; round++) {
          for (const [index, route] of spec.routes.entries()) {
            const { requests, connections } = settings
            const counts = await sample(counter, service, route, headers[route.credential], requests, connections)
            const row = rows[index] as Figure
            row.eventLoop.push(perRequest(counts.eventLoop, settings.requests))
            row.allThreads.push(perRequest(counts.allThreads, settings.requests))
            say(`${name} round ${round}: ${route.mode}, ${route.variant}: ${row.eventLoop.at(-1)?.toFixed(1)} ${unit} per request`)
          }
        }
        figures.push(...rows)
      } finally {
        await service.stop()
      }
    }
  } finally {
    counter.close()
  }
  const { onProgress: _, ...kept } = settings
  return { settings: kept, unit: counter.unit, node: process.version, figures, restarts }
}

interface Started {
  service: ServiceProcess
  headers: Record<Credential, Record<string, string>>
  slow: boolean
  slowCalls: number
}

async function start (
  stack: Stack, spec: ProcessSpec, client: AuthClient, counter: Counter, settings: InstructionSettings
): Promise<Started> {
  const common = {
    launcher: counter.launcher(),
    nodeArgs: settings.perfMap === true ? [...NODE_FLAGS, '--perf-basic-prof'] : NODE_FLAGS,
    cpu: settings.cpu,
    // Under valgrind, start-up (loading and compiling the modules) takes tens of seconds.
    startTimeoutMs: 300_000
  }
  const env = {
    ...stack.env,
    AUTH_URL: stack.auth,
    LOG_LEVEL: 'info',
    // valgrind runs the process ~50× slower: bounds meant for real time would fail healthy requests.
    REDIS_COMMAND_TIMEOUT_MS: '60000',
    REVOCATION_STALENESS_MAX_MS: '60000',
    ...settings.env
  }
  const service = spec.server === 'authpair'
    ? await spawnService({ ...common, dir: 'services/profile', env: { ...env, ...PROFILE_ROLES[spec.role as ProfileRole], ...settings.env } })
    : await spawnService({ ...common, dir: 'packages/load-compare', entry: `src/${spec.server === 'textbook' ? 'textbook' : 'naive'}/server.ts`, env })
  try {
    // Fresh credentials for every process: a run under valgrind can outlast a default-lived access token.
    const session = spec.server === 'express'
      ? await naiveSessionCookie(service.url, { id: 'load-compare', email: client.email, name: 'Load Compare' })
      : (await client.session()).cookie
    const tokens = await client.tokens()
    const headers: Started['headers'] = { none: {}, cookie: { cookie: session }, bearer: { authorization: `Bearer ${tokens.access_token}` } }
    for (const route of spec.routes) {
      await load(service, route, headers[route.credential], settings.warmup, settings.connections)
    }
    const probe = Math.max(200, Math.round(settings.requests / 10))
    const bare = spec.routes[0] as RouteSpec
    const counts = await sample(counter, service, bare, {}, probe, settings.connections, [SLOW_TICK])
    const slowCalls = (counts.calls[SLOW_TICK] ?? 0) / probe
    return { service, headers, slow: slowCalls > SLOW_TICK_CALLS_PER_REQUEST, slowCalls }
  } catch (error) {
    await service.stop()
    throw error
  }
}

async function sample (
  counter: Counter, service: ServiceProcess, route: RouteSpec, headers: Record<string, string>,
  requests: number, connections: number, functions: readonly string[] = []
): Promise<Counts> {
  return await counter.sample(service.pid, async () => {
    await load(service, route, headers, requests, connections)
  }, functions)
}

async function load (
  service: ServiceProcess, route: RouteSpec, headers: Record<string, string>, requests: number, connections: number
): Promise<void> {
  const result = await runLoad({
    url: `${service.url}${route.path}`,
    title: route.mode,
    headerSets: [headers],
    duration: 3600,
    amount: requests,
    connections,
    pipelining: 1,
    // Under valgrind, the first requests after instrumentation is switched on wait for it to recompile.
    timeout: 120
  })
  if (result.errors > 0 || result.non2xx > 0 || result.requests < requests) {
    const statuses = Object.entries(result.statusCodes ?? {}).map(([code, count]) => `${count} × ${code}`).join(', ')
    throw new Error(`${route.mode} (${route.variant}): ${result.requests} answers to ${requests} requests (${statuses}), ${result.errors} errors`)
  }
}

const perRequest = (instructions: number, requests: number) => instructions / requests / 1000
