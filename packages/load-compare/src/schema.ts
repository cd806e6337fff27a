import { Type, type Static } from 'typebox'

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
  Type.Literal('ceiling'), Type.Literal('session'), Type.Literal('token'), Type.Literal('token+denylist'), Type.Literal('token+push')
])

export const Latency = Type.Object({
  p50: Type.Number({ minimum: 0 }),
  p90: Type.Number({ minimum: 0 }),
  p99: Type.Number({ minimum: 0 }),
  max: Type.Number({ minimum: 0 })
}, { description: 'response time percentiles in ms' })

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
  credentialBytes: Type.Integer({ minimum: 0, description: 'bytes of the credential header line per request (cookie or authorization)' }),
  addedRttMs: Type.Optional(Type.Number({ description: 'store-distance: round trip added between the profile service and Redis' })),
  offeredRate: Type.Optional(Type.Number({ description: 'fixed-rate and outage: requests per second offered' })),
  timeline: Type.Optional(Type.Array(TimelinePoint, { description: 'outage: answers per second' }))
})

export const Revocation = Type.Object({
  mode: Type.Union([Type.Literal('session'), Type.Literal('token'), Type.Literal('token+denylist'), Type.Literal('token+push')]),
  action: Type.String({ description: 'what was done: log out, or revoke the token' }),
  lagMs: nullable(Type.Number({ minimum: 0 }), 'median time from the revoking call returning to the first refused request; null: still accepted'),
  samplesMs: Type.Array(Type.Number({ minimum: 0 })),
  note: Type.Optional(Type.String())
})

export const CapacityMode = Type.Object({
  mode: Mode,
  variant: Type.String(),
  cpuMicrosPerRequest: Type.Number({ description: 'measured: profile CPU per request' }),
  redisCommandsPerRequest: Type.Number({ description: 'measured' }),
  perInstanceRps: Type.Number({ description: 'projected: one profile instance on one core, 1e6 / cpuMicrosPerRequest' }),
  redisCeilingRps: nullable(Type.Number(), 'projected: what one Redis (one core) can serve for this mode; null when the mode does no Redis work')
})

export const Capacity = Type.Object({
  redisCpuMicrosPerCommand: nullable(Type.Number(), 'measured: Redis CPU per command during the session throughput run'),
  modes: Type.Array(CapacityMode),
  projection: Type.Array(Type.Object({
    mode: Mode,
    variant: Type.String(),
    instances: Type.Integer({ minimum: 1 }),
    redisShards: Type.Integer({ minimum: 1 }),
    rps: Type.Number({ description: 'projected: min(instances × perInstanceRps, redisShards × redisCeilingRps)' })
  }))
})

export const Meta = Type.Object({
  tool: Type.Literal('authpair load-compare'),
  schemaVersion: Type.Literal(1),
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
    pinned: Type.Boolean({ description: 'services and load generator on different cores' })
  })
})

export const Report = Type.Object({
  meta: Meta,
  runs: Type.Array(Run),
  revocation: Type.Array(Revocation),
  capacity: nullable(Capacity, 'null when the throughput scenario did not run'),
  skipped: Type.Array(Type.Object({ scenario: Type.String(), reason: Type.String() }))
})

export type RunRecord = Static<typeof Run>
export type ReportRecord = Static<typeof Report>
export type ModeName = Static<typeof Mode>
export type ScenarioName = Static<typeof Scenario>
export type RevocationRecord = Static<typeof Revocation>
export type CapacityRecord = Static<typeof Capacity>
export type TimelineRecord = Static<typeof TimelinePoint>
