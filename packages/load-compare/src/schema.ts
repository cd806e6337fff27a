import { Type, type Static, type TSchema } from 'typebox'
import { Value } from 'typebox/value'

/*
 * The JSON that `--json FILE` writes. Every number is measured unless its name or description says
 * "projected". Times are in milliseconds, CPU in microseconds.
 */

const nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T, description: string) =>
  Type.Union([schema, Type.Null()], { description })

export const Scenario = Type.Union([
  Type.Literal('throughput'), Type.Literal('fixed-rate'), Type.Literal('store-distance'), Type.Literal('outage')
])
export const Mode = Type.Union([
  Type.Literal('ceiling'), Type.Literal('session'), Type.Literal('session+tracking'), Type.Literal('token'),
  Type.Literal('token+denylist'), Type.Literal('token+push'),
  Type.Literal('express (naive)', { description: 'reference: express + express-session/connect-redis + jsonwebtoken, as their READMEs show them' }),
  Type.Literal('fastify (textbook)', { description: 'reference: Fastify 5 with @fastify/session and @fastify/jwt, as their READMEs show them (its bare route)' })
])

export const Latency = Type.Object({
  p50: Type.Number({ minimum: 0 }),
  p90: Type.Number({ minimum: 0 }),
  p99: Type.Number({ minimum: 0 }),
  p999: Type.Optional(Type.Number({ minimum: 0, description: 'open-loop runs only' })),
  max: Type.Number({ minimum: 0 })
}, {
  description: 'response time percentiles in ms: whole milliseconds for closed-loop runs; for open-loop runs microsecond ' +
    'resolution (HDR histogram), counted from each request\'s intended start'
})

export const TimelinePoint = Type.Object({
  second: Type.Integer({ minimum: 0 }),
  ok: Type.Integer({ minimum: 0, description: '2xx answers in this second' }),
  failed: Type.Integer({ minimum: 0, description: 'non-2xx answers and request errors in this second' }),
  storeDown: Type.Boolean({ description: 'Redis was stopped during (part of) this second' })
})

export const Run = Type.Object({
  scenario: Scenario,
  mode: Mode,
  variant: Type.String({ description: 'what else sets this run apart: verified-token cache on/off, one or many tokens, added store RTT, offered rate' }),
  requests: Type.Integer({ minimum: 0 }),
  rps: Type.Number({ minimum: 0, description: 'answered requests per second' }),
  latency: Latency,
  errors: Type.Integer({ minimum: 0, description: 'connection errors and timeouts' }),
  non2xx: Type.Integer({ minimum: 0 }),
  flagged: Type.Boolean({ description: 'true when the run had any error or non-2xx answer' }),
  cpuMicrosPerRequest: nullable(Type.Number({ minimum: 0 }), 'profile process CPU time (user + system) per request; null for a target not started here'),
  redisCommandsPerRequest: nullable(Type.Number({ minimum: 0 }), 'Redis commands executed per request (INFO commandstats delta); null where Redis is not reachable'),
  redisCpuMicrosPerRequest: nullable(Type.Number({ minimum: 0 }), 'Redis server CPU time per request (INFO cpu delta)'),
  redisCommandsPerRead: Type.Optional(nullable(Type.Number({ minimum: 0 }), 'Redis commands per read event (INFO stats total_reads_processed delta): the batch size the clients sent')),
  credentialBytes: Type.Integer({ minimum: 0, description: 'bytes of the credential header line per request (cookie or authorization)' }),
  addedRttMs: Type.Optional(Type.Number({ description: 'store-distance: round trip added between the profile service and Redis' })),
  offeredRate: Type.Optional(Type.Number({ description: 'fixed-rate and outage: requests per second offered' })),
  generator: Type.Optional(Type.String({ description: 'how the load was made and its latencies measured' })),
  sendLagP99Ms: Type.Optional(Type.Number({ description: 'open loop: p99 of how late the generator sent requests after their intended start' })),
  timeline: Type.Optional(Type.Array(TimelinePoint, { description: 'outage: answers per second' })),
  machine: Type.Optional(Type.Object({
    otherCores: nullable(Type.Number({ minimum: 0 }), 'CPU used during the run by processes this tool did not start, in cores'),
    stealCores: nullable(Type.Number({ minimum: 0 }), 'CPU the hypervisor gave to someone else during the run, in cores'),
    loadAverage1m: Type.Number({ minimum: 0 })
  }, { description: 'what the rest of the machine did during the run' })),
  ceilingRps: Type.Optional(Type.Object({ before: Type.Number(), after: Type.Number() }, {
    description: 'throughput: the bare route of the same code and core, measured just before and just after this run'
  })),
  ratioToCeiling: Type.Optional(Type.Number({ description: 'throughput: rps over the mean of ceilingRps' })),
  ratioToTextbookBare: Type.Optional(Type.Number({ description: "throughput: rps over the textbook Fastify app's bare route in the same run" })),
  warnings: Type.Array(Type.String(), { description: 'why this row may not be trusted; empty when nothing was noticed' }),
  repeats: Type.Optional(Type.Object({
    count: Type.Integer({ minimum: 2 }),
    rps: Type.Object({ min: Type.Number(), max: Type.Number() }),
    p50: Type.Optional(Type.Object({ min: Type.Number(), max: Type.Number() })),
    cpuMicros: Type.Optional(Type.Object({ min: Type.Number(), max: Type.Number() }, { description: 'CPU µs per request over the rounds' })),
    p99: Type.Object({ min: Type.Number(), max: Type.Number() }),
    flagged: Type.Integer({ minimum: 0, description: 'repeats that had warnings' })
  }, { description: 'with --repeat N: this row is the repeat with the median rps; the ranges span all N' }))
})

export const Revocation = Type.Object({
  mode: Type.Union([
    Type.Literal('session'), Type.Literal('session+tracking'), Type.Literal('token'), Type.Literal('token+denylist'),
    Type.Literal('token+push')
  ]),
  action: Type.String({ description: 'what was done: log out, or revoke the token' }),
  lagMs: nullable(Type.Number({ minimum: 0 }), 'median time from the revoking call returning to the first refused request; null: still accepted'),
  samplesMs: Type.Array(Type.Number({ minimum: 0 })),
  fault: Type.Optional(Type.String({
    description: 'absent: a healthy network; otherwise the fault in force during the revocation (a connection of the profile gone silent), and the lag is to the first answer other than 200 (401, or 503 while Redis does not answer)'
  })),
  boundMs: Type.Optional(Type.Number({ description: 'with a fault: REVOCATION_STALENESS_MAX_MS of the instance, the lag it promises not to exceed' })),
  cause: Type.Optional(Type.Literal('password change', {
    description: 'absent: the credential itself was revoked (logout, token revocation); "password change": another session of the account changed the password, which ends every other credential'
  })),
  note: Type.Optional(Type.String())
})

/** How a revocation row is named in tables and charts: its mode, what ended the credential, and any fault. */
export const revocationLabel = (entry: { mode: string, fault?: string, cause?: string }): string =>
  [entry.mode, entry.cause, entry.fault].filter((part) => part !== undefined).join(', ')

/** A row's lag as text: "until exp" for a healthy mode that never refused, "past the bound" for a fault. */
export const revocationLagText = (entry: { lagMs: number | null, fault?: string }): string =>
  entry.lagMs !== null ? `${entry.lagMs} ms` : entry.fault === undefined ? 'until exp' : 'past the bound'

/**
 * A ceiling row is a measured ceiling when Redis used 90 % or more of its core, as the table shows the share
 * (whole percent); below that the client was the limit and the ceiling is extrapolated.
 */
export const saturated = (row: { redisCpuShare: number }): boolean => Math.round(row.redisCpuShare * 100) >= 90

export const RedisCeiling = Type.Object({
  assumedBatch: nullable(Type.Number(), 'the batch the session mode\'s ceiling is taken at: the measured commands per Redis read event of the session throughput run, rounded (the ceiling is measured at that batch too)'),
  measuredBatch: nullable(Type.Number(), 'measured: Redis commands per read event during the session throughput run (what auto-pipelining batched)'),
  measured: Type.Array(Type.Object({
    command: Type.String(),
    batch: Type.Integer({ minimum: 1, description: 'commands in flight per connection (redis-benchmark -P)' }),
    connections: Type.Integer({ minimum: 1 }),
    commandsPerSecond: Type.Number({ description: 'measured' }),
    redisCpuShare: Type.Number({ description: 'measured: Redis CPU over wall time during the run (1 = its whole core)' }),
    ceilingCommandsPerSecond: Type.Number({ description: 'commandsPerSecond / redisCpuShare: measured when Redis was saturated (≥ 90 % of its core), extrapolated when not' })
  }), { description: 'a Redis pinned to one core, driven by redis-benchmark from the other' })
})

export const ModelCheck = Type.Object({
  mode: Mode,
  variant: Type.String(),
  cores: Type.Number({ description: 'CPU the profile process was allowed (cgroup quota)' }),
  predictedRps: Type.Number({ description: 'projected: cores × 1e6 / CPU µs per request measured on a whole core' }),
  measuredRps: Type.Number(),
  error: Type.Number({ description: 'measuredRps / predictedRps − 1' })
})

export const CapacityMode = Type.Object({
  mode: Mode,
  variant: Type.String(),
  cpuMicrosPerRequest: Type.Number({ description: 'measured: profile CPU per request' }),
  redisCommandsPerRequest: Type.Number({ description: 'measured' }),
  perInstanceRps: Type.Number({ description: 'projected: one profile instance on one core, 1e6 / cpuMicrosPerRequest' }),
  redisCeilingRps: nullable(Type.Number(), 'what one Redis (one core) can serve for this mode: the measured ceiling of its command at the assumed batch over its commands per request; null when the mode does no Redis work per request'),
  redisCeilingFromCpuRps: nullable(Type.Number(), 'projected the old way, from Redis CPU per command in the busy throughput run: compare with redisCeilingRps'),
  redisCommandsPerRead: Type.Optional(nullable(Type.Number(), 'measured: Redis commands per read event during this mode\'s throughput run')),
  redisBatch: Type.Optional(nullable(Type.Integer(), 'the batch (commands in flight per connection) whose measured ceiling redisCeilingRps rests on: the one nearest redisCommandsPerRead'))
})

export const Capacity = Type.Object({
  redisCpuMicrosPerCommand: nullable(Type.Number(), 'measured: Redis CPU per command during the session throughput run'),
  modes: Type.Array(CapacityMode),
  redisCeiling: nullable(RedisCeiling, 'null when redis-benchmark or redis-server is missing'),
  modelChecks: Type.Array(ModelCheck, { description: 'the per-instance model against measurement, at the points this machine allows' }),
  projection: Type.Array(Type.Object({
    mode: Mode,
    variant: Type.String(),
    instances: Type.Integer({ minimum: 1 }),
    redisShards: Type.Integer({ minimum: 1 }),
    rps: Type.Number({ description: 'projected: min(instances × perInstanceRps, redisShards × redisCeilingRps)' })
  }))
})

export const TrackingMode = Type.Union([Type.Literal('default'), Type.Literal('bcast')], {
  description: 'default: Redis tells only the processes that read a key; bcast: every process, of every write under the prefix'
})

export const Fanout = Type.Object({
  sessions: Type.Integer({ minimum: 1, description: 'sessions every subscriber read, and writes per measurement' }),
  baselineCpuMicrosPerWrite: Type.Object({ existing: Type.Number(), new: Type.Number() }, {
    description: 'measured: Redis CPU per session write with no process tracking'
  }),
  redisCpuMicrosPerMessage: nullable(Type.Number(), 'measured: extra Redis CPU per invalidation message sent (median over the runs)'),
  rows: Type.Array(Type.Object({
    tracking: TrackingMode,
    subscribers: Type.Integer({ minimum: 1, description: 'profile-like processes, each a TrackingSessionCache that read every session' }),
    write: Type.Union([Type.Literal('existing'), Type.Literal('new')], {
      description: 'existing: a write (touch, logout) to a session every subscriber read; new: a login nobody read yet'
    }),
    messagesPerWrite: Type.Number({ description: 'measured: invalidated keys received, summed over subscribers, per write' }),
    redisCpuMicrosPerWrite: Type.Number({ description: 'measured: Redis CPU per write, invalidations included' }),
    trackedItems: nullable(Type.Number(), 'measured: INFO tracking_total_items once every subscriber had read every session'),
    trackingBytesPerItem: nullable(Type.Number(), 'measured: Redis used_memory growth per tracked item (subscribers\' connections included)')
  })),
  scale: Type.Array(Type.Object({
    tracking: TrackingMode,
    instances: Type.Integer(),
    writesPerSecond: Type.Number({ description: 'assumed: logins + logouts + touches per second' }),
    messagesPerSecond: Type.Number({ description: 'projected' }),
    redisCoreShare: Type.Number({ description: 'projected: share of one Redis core spent on these writes and their invalidations' }),
    trackingMemoryMiB: Type.Number({ description: 'projected: Redis memory for the tracking table (default mode only; 0 for bcast)' })
  }), { description: 'projected from the measured costs with the assumptions in `scaleAssumptions`' }),
  scaleAssumptions: Type.Object({
    activeSessions: Type.Integer(),
    loginsPerSecond: Type.Number(),
    logoutsPerSecond: Type.Number(),
    touchIntervalSeconds: Type.Number(),
    instancesHoldingASession: Type.Number({ description: 'default mode: instances that read a session since its last write (load balancing spreads a user)' })
  })
})

export const Meta = Type.Object({
  tool: Type.Literal('authpair load-compare'),
  schemaVersion: Type.Literal(2, { description: '2: trust, per-run warnings and machine load, open-loop latencies, the measured Redis ceiling' }),
  startedAt: Type.String(),
  finishedAt: Type.String(),
  machine: Type.Object({
    platform: Type.String(),
    arch: Type.String(),
    cpuModel: Type.String(),
    cores: Type.Integer(),
    memoryGiB: Type.Number()
  }),
  node: Type.String(),
  commit: nullable(Type.String(), 'git commit of the code measured, when known'),
  target: Type.Union([Type.Literal('own processes'), Type.Literal('external')]),
  settings: Type.Object({
    duration: Type.Number(),
    connections: Type.Integer(),
    pipelining: Type.Integer(),
    rate: nullable(Type.Number(), 'fixed-rate offered req/s'),
    scenarios: Type.Array(Type.String()),
    manyTokens: Type.Integer(),
    quick: Type.Boolean(),
    pinned: Type.Boolean({ description: 'services and load generator on different cores' }),
    arrivals: Type.Optional(Type.String({ description: 'open-loop arrivals: constant or poisson' })),
    repeat: Type.Optional(Type.Integer({ minimum: 1, description: 'rounds of every scenario but fan-out; rows are the median round' }))
  })
})

export const Trust = Type.Object({
  trustworthy: Type.Boolean({ description: 'false when any warning below was raised' }),
  policy: Type.Object({
    tolerance: Type.Number({ description: 'how far the ceiling may move, as a fraction' }),
    otherCores: Type.Number({ description: 'other processes\' CPU a run may see, in cores' }),
    stealCores: Type.Number(),
    sendLagMs: Type.Number({ description: 'how late the open-loop generator may send, p99, in ms' })
  }),
  ceilingRps: Type.Array(Type.Number(), { description: 'every measurement of the bare-route ceiling, in order' }),
  ceilingSpread: nullable(Type.Number(), '(max − min) / median of ceilingRps'),
  warnings: Type.Array(Type.String(), { description: 'for the top of the report and the console summary' })
})

/** One figure of `pnpm bench --instructions`: instructions per request of one route of one server process. */
const InstructionFigure = Type.Object({
  server: Type.String({ description: 'authpair, textbook (the Fastify app as the plugins\' READMEs write it) or express (the naive one)' }),
  role: Type.Optional(Type.String({ description: 'which profile process of authpair (its configuration)' })),
  mode: Type.String(),
  variant: Type.String(),
  eventLoop: Type.Array(Type.Number(), { description: 'thousands of instructions per request on the event-loop thread, one per round' }),
  allThreads: Type.Array(Type.Number(), { description: 'the same over every thread of the process' })
})

export const InstructionRunSchema = Type.Object({
  source: Type.String({ description: 'the file it was read from (written by pnpm bench --instructions --json)' }),
  unit: Type.Optional(Type.Union([Type.Literal('instructions'), Type.Literal('cpu-time')], {
    description: 'instructions (thousands per request; the default) or cpu-time (µs per request, pnpm bench --cpu-time)'
  })),
  node: Type.String(),
  settings: Type.Object({
    requests: Type.Integer({ description: 'requests per sample' }),
    warmup: Type.Integer({ description: 'requests per route before the first sample' }),
    connections: Type.Integer(),
    rounds: Type.Integer()
  }),
  figures: Type.Array(InstructionFigure),
  restarts: Type.Integer({ description: 'processes started again because they were in the slow nextTick state after warm-up' })
})

export const Report = Type.Object({
  meta: Meta,
  trust: Trust,
  runs: Type.Array(Run),
  revocation: Type.Array(Revocation),
  capacity: nullable(Capacity, 'null when the throughput scenario did not run'),
  fanout: Type.Optional(Fanout),
  instructions: Type.Optional(Type.Array(InstructionRunSchema, {
    description: 'instruction counts per request (callgrind), the cost figures that do not move with the machine: one entry per run read with --instructions-from'
  })),
  cpuTime: Type.Optional(Type.Object(InstructionRunSchema.properties, {
    description: 'the same routes measured for CPU time on a quiet machine (pnpm bench --cpu-time, read with --cpu-time-from, unit cpu-time): how far its ratios are from the instruction ratios'
  })),
  skipped: Type.Array(Type.Object({ scenario: Type.String(), reason: Type.String() }))
})

export type RunRecord = Static<typeof Run>
export type ReportRecord = Static<typeof Report>
export type ModeName = Static<typeof Mode>

/** Rows measured for comparison, not as a mode of authpair: a bare route, or another server's. */
export const isReference = (mode: string): boolean => mode === 'ceiling' || mode === 'express (naive)' || mode === 'fastify (textbook)'
export type ScenarioName = Static<typeof Scenario>
export type RevocationRecord = Static<typeof Revocation>
export type CapacityRecord = Static<typeof Capacity>
export type TimelineRecord = Static<typeof TimelinePoint>
export type RedisCeilingRecord = Static<typeof RedisCeiling>
export type ModelCheckRecord = Static<typeof ModelCheck>
export type TrustRecord = Static<typeof Trust>
export type FanoutRecord = Static<typeof Fanout>
export type InstructionRunRecord = Static<typeof InstructionRunSchema>

/** What keeps `value` from matching `schema`, one line per problem (none: it matches). */
export const schemaProblems = (schema: TSchema, value: unknown): string[] =>
  [...Value.Errors(schema, value)].map((error) => `${error.instancePath} ${error.message}`)
