import { ratioPairs, sameRoute, summarize, type FigureSummary, type RatioPair } from './instructions/summary.js'
import type { InstructionRunRecord, ReportRecord, RunRecord } from './schema.js'
import { median, significant } from './numbers.js'

/** One row of "which to pick": the mode, the situation it fits, and this run's numbers it rests on. */
export interface Decision {
  pick: string
  when: string
  evidence: string
}

type Mode = 'session' | 'session+tracking' | 'token' | 'token+denylist' | 'token+push'

/** The situation each mode fits: what the design gives, stated once; the numbers behind it come from the run. */
const WHEN: Record<Mode, string> = {
  'token+push': 'you use tokens and a logout, a revocation or a password change must bite within milliseconds, ' +
    'and token requests must keep working while Redis is down',
  'session+tracking': 'you want server-side sessions (nothing for clients to store or refresh, every logout exact) at ' +
    'the cost of a token check, on a standalone or Sentinel Redis',
  session: 'you want the simplest server-side sessions and every instance is close to a Redis that stays up: ' +
    'one Redis read per request, and a 503 while it is down',
  'token+denylist': 'you use tokens, must refuse revoked ones at once and cannot run pub/sub to every instance: ' +
    'one Redis read per request, and requests refused (fail closed) while Redis is down',
  token: 'a revoked credential may keep working until it expires (ACCESS_TOKEN_TTL): nothing per request touches ' +
    'Redis, and nothing stops when it is down'
}

/** The instruction figure of a mode: authpair's own process for it, its usual variant (verified-token cache on). */
function instructionsOf (
  report: ReportRecord, mode: Mode
): { perRequest: number, overTextbookBare: number | undefined } | undefined {
  const run = report.instructions?.[0]
  if (run === undefined) return undefined
  const figure = summarize(run)
    .find(({ figure }) => figure.server === 'authpair' && figure.mode === mode && !figure.variant.includes('cache off'))
  return figure === undefined ? undefined : { perRequest: figure.eventLoop, overTextbookBare: figure.overTextbookBare }
}

function throughputOf (report: ReportRecord, mode: Mode): RunRecord | undefined {
  return report.runs.find((run) => run.scenario === 'throughput' && run.mode === mode &&
    (mode !== 'token' || run.variant.startsWith('cache on, one')))
}

function cost (report: ReportRecord, mode: Mode): string | undefined {
  const instructions = instructionsOf(report, mode)
  if (instructions !== undefined) {
    const textbook = instructions.overTextbookBare === undefined ? '' : `, ${instructions.overTextbookBare.toFixed(2)}× a bare textbook Fastify route`
    return `${Math.round(instructions.perRequest)}k instructions a request${textbook}`
  }
  const run = throughputOf(report, mode)
  return run?.cpuMicrosPerRequest == null ? undefined : `${run.cpuMicrosPerRequest.toFixed(0)} µs of CPU a request (this machine)`
}

function revocation (report: ReportRecord, mode: Mode): string[] {
  const healthy = report.revocation
    .find((entry) => entry.mode === mode && entry.fault === undefined && entry.cause === undefined)
  const faulted = report.revocation.find((entry) => entry.mode === mode && entry.fault !== undefined)
  const changed = report.revocation.find((entry) => entry.mode === mode && entry.cause === 'password change')
  const parts: string[] = []
  if (healthy !== undefined) parts.push(`revoked: refused ${healthy.lagMs === null ? 'only at exp' : `after ${ms(healthy.lagMs)}`}`)
  if (changed !== undefined && changed.lagMs !== null) parts.push(`after a password change, ${ms(changed.lagMs)}`)
  if (faulted !== undefined) {
    parts.push(`${faulted.fault ?? ''}: ${faulted.lagMs === null ? 'NOT within' : `${ms(faulted.lagMs)}, within`} its ${faulted.boundMs ?? '?'} ms bound`)
  }
  return parts
}

function whileRedisDown (report: ReportRecord, mode: Mode): string | undefined {
  const runs = report.runs.filter((run) => run.scenario === 'outage' && run.mode === mode)
  if (runs.length === 0) return undefined
  return runs.map((run) => {
    const down = (run.timeline ?? []).filter((point) => point.storeDown)
    const refused = down.reduce((sum, point) => sum + point.failed, 0)
    const answered = down.reduce((sum, point) => sum + point.ok, 0)
    const variant = mode === 'session+tracking' ? ` (${run.variant.split(',')[0] as string})` : ''
    return refused === 0
      ? `Redis down${variant}: kept answering`
      : `Redis down${variant}: ${Math.round(100 * refused / Math.max(1, refused + answered))} % refused`
  }).join('; ')
}

function redisLoad (report: ReportRecord, mode: Mode): string | undefined {
  const row = report.capacity?.modes.find((entry) => entry.mode === mode && (mode !== 'token' || entry.variant.startsWith('cache on, one')))
  if (row === undefined) return undefined
  if (row.redisCeilingRps === null) return 'no Redis work a request'
  return `one Redis core serves about ${significant(row.redisCeilingRps)} req/s of it`
}

/** A lag: to 0.1 ms below 10 ms, whole milliseconds above. */
const ms = (value: number): string => `${value < 10 ? value.toFixed(1) : Math.round(value)} ms`

/**
 * "Pick … when …", one row per mode this run measured: the situation comes from the design, every number from
 * the run (instruction counts when the report has them, which no machine's noise moves).
 */
export function decisions (report: ReportRecord): Decision[] {
  const modes: Mode[] = ['token+push', 'session+tracking', 'session', 'token+denylist', 'token']
  return modes.flatMap((mode) => {
    const evidence = [
      cost(report, mode), ...revocation(report, mode), whileRedisDown(report, mode), redisLoad(report, mode)
    ]
      .filter((part): part is string => part !== undefined)
    if (evidence.length === 0) return []
    return [{ pick: mode, when: WHEN[mode], evidence: evidence.join('; ') }]
  })
}

/**
 * The largest difference between the runs' medians of one figure, as a fraction of their mean: over every figure,
 * or over those `which` picks (authpair's modes, the figures the decisions quote).
 */
export function instructionAgreement (
  report: ReportRecord, which: (figure: FigureSummary['figure']) => boolean = () => true
): number | undefined {
  const [first, second] = (report.instructions ?? []).map((run) => summarize(run))
  if (first === undefined || second === undefined) return undefined
  let worst = 0
  for (const a of first.filter(({ figure }) => which(figure))) {
    const b = second.find((other) => sameRoute(other.figure, a.figure))
    if (b === undefined) continue
    worst = Math.max(worst, Math.abs(a.eventLoop - b.eventLoop) / ((a.eventLoop + b.eventLoop) / 2))
  }
  return worst
}

export const INSTRUCTION_HEADER = ['server', 'route', 'k instr/req', 'other run', '× own bare', '× textbook bare']

/** The report's instruction table: the first run's medians, the second run's beside them. */
export function instructionRows (report: ReportRecord): string[][] {
  const [first, second] = (report.instructions ?? []).map((run) => summarize(run))
  return (first ?? []).map(({ figure, eventLoop, overOwnBare, overTextbookBare }) => [
    figure.role === undefined ? figure.server : `${figure.server} (${figure.role})`,
    `${figure.mode}, ${figure.variant}`,
    eventLoop.toFixed(0),
    second?.find((other) => sameRoute(other.figure, figure))?.eventLoop.toFixed(0) ?? '–',
    overOwnBare === undefined ? '–' : overOwnBare.toFixed(2),
    overTextbookBare === undefined ? '–' : overTextbookBare.toFixed(2)
  ])
}

/** The cost finding in instructions, when the report has them. */
export function instructionFinding (report: ReportRecord): string | undefined {
  const run = report.instructions?.[0]
  if (run === undefined) return undefined
  const figures = summarize(run)
  const ours = figures.filter(({ figure }) => figure.server === 'authpair' && figure.mode !== 'ceiling')
  const textbook = (mode: string) => figures.find(({ figure }) => figure.server === 'textbook' && figure.mode === mode)
  if (ours.length === 0) return undefined
  const agreement = instructionAgreement(report)
  const modes = instructionAgreement(report, (figure) => figure.server === 'authpair' && figure.mode !== 'ceiling')
  const percent = (value: number) => `${(value * 100).toFixed(1)} %`
  const runs = agreement === undefined || modes === undefined
    ? 'one run'
    : `${report.instructions?.length ?? 0} runs: the modes' figures within ${percent(modes)} of each other, every figure within ${percent(agreement)}`
  const mode = ({ figure }: (typeof figures)[number]) => figure.mode === 'token' ? `token (${figure.variant})` : figure.mode
  const parts = ours.map((entry) => `${mode(entry)} ${entry.eventLoop.toFixed(0)}k (${(entry.overOwnBare ?? 0).toFixed(2)}× its bare route)`)
  const reference = ['ceiling', 'session', 'token'].map((name) => textbook(name)).filter((entry) => entry !== undefined)
    .map((entry) => `${entry.figure.mode === 'ceiling' ? 'bare route' : entry.figure.mode} ${entry.eventLoop.toFixed(0)}k`)
  return `Per request, in instructions of the profile's event-loop thread (callgrind; ${runs}; ${run.node}; the same on any machine): ` +
    `${parts.join(', ')}. The textbook Fastify app: ${reference.join(', ')}.`
}

/** The first instruction run's ratios against a quiet run's CPU-time ratios, authpair's and the references'. */
function cpuTimePairs (report: ReportRecord): RatioPair[] {
  const [instructions] = report.instructions ?? []
  return instructions === undefined || report.cpuTime === undefined ? [] : ratioPairs(instructions, report.cpuTime)
}

export const CPU_TIME_HEADER = ['server', 'route', '× own bare, instructions', '× own bare, CPU time (quiet run)', 'difference']

/** Each route's cost over its own process's bare route, in instructions and in CPU time, side by side. */
export function cpuTimeRows (report: ReportRecord): string[][] {
  return cpuTimePairs(report).map(({ figure, instructions, cpuTime, difference }) => [
    figure.role === undefined ? figure.server : `${figure.server} (${figure.role})`,
    `${figure.mode}, ${figure.variant}`,
    instructions.toFixed(2),
    cpuTime.toFixed(2),
    `${difference > 0 ? '+' : ''}${Math.round(difference * 100)} %`
  ])
}

/**
 * What instruction counts leave out, measured: how far the quiet run's CPU-time ratios are from the instruction
 * ratios, the route where they differ most, and whether authpair's modes come in the same order by both.
 */
export function cpuTimeFinding (report: ReportRecord): string | undefined {
  const pairs = cpuTimePairs(report)
  if (pairs.length === 0) return undefined
  const largest = pairs.reduce((worst, pair) => Math.abs(pair.difference) > Math.abs(worst.difference) ? pair : worst)
  const ours = pairs.filter(({ figure }) => figure.server === 'authpair')
  const short = ({ figure }: RatioPair) => figure.mode === 'token' ? `token (${figure.variant.split(' (')[0] ?? ''})` : figure.mode
  const order = (key: 'instructions' | 'cpuTime') => [...ours].sort((a, b) => a[key] - b[key]).map(short).join(' < ')
  const label = ({ figure }: RatioPair) => `${figure.server === 'authpair' ? '' : `${figure.server} `}${figure.mode} (${figure.variant})`
  const percent = (value: number) => `${value > 0 ? '+' : ''}${Math.round(value * 100)} %`
  // How far the quiet run's own rounds spread: ratios closer than that are not ordered by CPU time.
  const spread = median(summarize(report.cpuTime as InstructionRunRecord).map((entry) => entry.spread))
  return `Instructions are not time: on a quiet run (${report.cpuTime?.node ?? '?'}, CPU time of the event-loop thread, user and kernel), ` +
    `each route's cost over its own bare route differed from the instruction ratio by ${percent(Math.min(...pairs.map((pair) => pair.difference)))} to ` +
    `${percent(Math.max(...pairs.map((pair) => pair.difference)))}, most for ${label(largest)} ` +
    `(${largest.instructions.toFixed(2)}× in instructions, ${largest.cpuTime.toFixed(2)}× in CPU time): what callgrind does not count ` +
    '(cache misses, stalls, the kernel\'s work in system calls). ' +
    (order('instructions') === order('cpuTime')
      ? `authpair's modes come in the same order by both: ${order('instructions')}.`
      : `authpair's modes by instructions: ${order('instructions')}; by CPU time: ${order('cpuTime')}. The rounds of one route ` +
        `spread by a median ${Math.round(spread * 100)} % in CPU time even on that run, so modes closer than that are not ordered by it; ` +
        'the instruction order is the one that reproduces.')
}
