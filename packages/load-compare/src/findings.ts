import { cpuTimeFinding, instructionFinding } from './decisions.js'
import { micros, significant } from './numbers.js'
import { isReference, revocationLabel, saturated, type ReportRecord, type RunRecord } from './schema.js'

/** Rates to three significant figures: the noise of one run supports no more. */
const fmt = (value: number): string => significant(value)
/** A run's CPU per request, to the precision its rounds support. */
const cpu = (run: RunRecord): string => `${micros(run.cpuMicrosPerRequest ?? 0, run.repeats?.cpuMicros)} µs`
/** Whole milliseconds (closed-loop latencies) as they are; finer ones to 0.1 ms below 10 ms. */
const ms = (value: number): string => `${Number.isInteger(value) || value >= 10 ? Math.round(value) : value.toFixed(1)} ms`
/** Open-loop latencies (microseconds measured) to three significant figures. */
const fine = (value: number): string => `${significant(value)} ms`
const list = (items: string[]): string =>
  items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1) as string}`
const name = (run: Pick<RunRecord, 'mode' | 'variant'>): string => run.mode === 'token' ? `token (${run.variant})` : run.mode

/**
 * What this run found, in sentences with its numbers, generated from the report: the first thing a reader
 * sees. Each sentence appears only when its scenario ran; none is written by hand.
 */
export function findings (report: ReportRecord): string[] {
  return [
    instructionFinding(report), cpuTimeFinding(report), cheapest(report), naive(report), distance(report),
    outage(report), revocation(report), redisLimit(report)
  ]
    .filter((sentence): sentence is string => sentence !== undefined)
}

/** The findings that rest on this run's timings, by what they say: noise can change how they read. */
const TIMED: Array<[(report: ReportRecord) => string | undefined, string]> = [
  [cheapest, 'the cheapest mode by CPU time'],
  [naive, 'the comparison with the textbook express version (req/s)'],
  [distance, 'what store distance costs (latencies)'],
  [redisLimit, 'where one Redis core becomes the limit (measured rates)']
]

/** Of this report's findings, the ones resting on timings (the rest rest on counts, refusals and outages). */
export function timedFindings (report: ReportRecord): string[] {
  return TIMED.filter(([finding]) => finding(report) !== undefined).map(([, what]) => what)
}

function cheapest (report: ReportRecord): string | undefined {
  const runs = report.runs.filter((run) => run.scenario === 'throughput' && run.mode !== 'ceiling' &&
    !isReference(run.mode) && !/\d+ tokens/.test(run.variant) && run.cpuMicrosPerRequest !== null)
  if (runs.length < 2) return undefined
  const byCost = [...runs].sort((a, b) => (a.cpuMicrosPerRequest as number) - (b.cpuMicrosPerRequest as number))
  const best = byCost[0] as RunRecord
  const session = runs.find((run) => run.mode === 'session')
  const priciest = byCost.at(-1) as RunRecord
  const other = session !== undefined && session !== best ? session : priciest
  const ratio = (run: RunRecord) => run.ratioToCeiling === undefined ? '' : ` (${Math.round(run.ratioToCeiling * 100)} % of the bare route)`
  const times = (other.cpuMicrosPerRequest as number) / (best.cpuMicrosPerRequest as number)
  return `Cheapest per request: ${name(best)}, ${cpu(best)} of profile CPU and ${fmt(best.rps)} req/s${ratio(best)}; ` +
    `${name(other)} costs ${cpu(other)}, ${times.toFixed(1)}× as much, at ${fmt(other.rps)} req/s${ratio(other)}. ` +
    `The dearest is ${name(priciest)} at ${cpu(priciest)}.`
}

function naive (report: ReportRecord): string | undefined {
  const throughput = report.runs.filter((run) => run.scenario === 'throughput')
  const textbook = (variant: string) => throughput.find((run) => run.mode === 'express (naive)' && run.variant.startsWith(variant))
  const ours = (mode: string, variant = '') => throughput.find((run) => run.mode === mode && run.variant.startsWith(variant))
  const pairs = [
    { label: 'sessions', theirs: textbook('express-session'), mine: ours('session') },
    { label: 'tokens', theirs: textbook('jsonwebtoken'), mine: ours('token', 'cache on, one') }
  ].filter((pair) => pair.theirs !== undefined && pair.mine !== undefined && (pair.theirs.rps ?? 0) > 0)
  if (pairs.length === 0) return undefined
  return `Against the textbook express version (express-session + connect-redis, jsonwebtoken): ${list(pairs.map(({ label, theirs, mine }) =>
    `${label} ${fmt(mine?.rps as number)} req/s here vs ${fmt(theirs?.rps as number)} (${((mine?.rps as number) / (theirs?.rps as number)).toFixed(1)}×)`))}.`
}

/** How far the rounds of `--repeat` moved a row's median latency; null for one round or closed-loop rows. */
const spreadOf = (run: RunRecord): number | null =>
  run.repeats?.p50 === undefined || run.latency.p999 === undefined ? null : run.repeats.p50.max - run.repeats.p50.min

function distance (report: ReportRecord): string | undefined {
  const runs = report.runs.filter((run) => run.scenario === 'store-distance' && !run.variant.includes('pipelining off'))
  const rtts = [...new Set(runs.map((run) => run.addedRttMs ?? 0))].sort((a, b) => a - b)
  const far = rtts.at(-1)
  if (far === undefined || far === 0) return undefined
  const at = (mode: string, rtt: number) => runs.find((run) => run.mode === mode && run.addedRttMs === rtt)
  const parts = [...new Set(runs.map((run) => run.mode))].flatMap((mode) => {
    const near = at(mode, 0)
    const away = at(mode, far)
    if (near === undefined || away === undefined) return []
    const perMs = (away.latency.p50 - near.latency.p50) / far
    // "Nothing" only when the change is within what repeating the run moved the same median by; without
    // repeats, or on closed-loop rows (whole milliseconds), the change is given as measured.
    const spreads = [spreadOf(near), spreadOf(away)]
    const noise = spreads.includes(null) ? null : Math.max(...spreads as number[])
    const within = noise !== null && Math.abs(away.latency.p50 - near.latency.p50) <= noise
    const change = `p50 ${fine(near.latency.p50)} → ${fine(away.latency.p50)}`
    return [within
      ? `${mode} nothing measurable (${change}, within the ${fine(noise)} the rounds moved it by)`
      : `${mode} ${significant(perMs)} ms of median latency (${change})`]
  })
  if (parts.length === 0) return undefined
  const rate = runs[0]?.offeredRate
  return `Each millisecond between the profile service and Redis costs ${list(parts)}, measured from +0 to +${far} ms` +
    (rate === undefined ? '.' : ` at ${fmt(rate)} req/s offered (open loop).`)
}

function outage (report: ReportRecord): string | undefined {
  const runs = report.runs.filter((run) => run.scenario === 'outage')
  if (runs.length === 0) return undefined
  const whileDown = (run: RunRecord) => (run.timeline ?? []).filter((point) => point.storeDown)
  const kept = runs.filter((run) => whileDown(run).every((point) => point.failed === 0))
  const failed = runs.filter((run) => !kept.includes(run))
  const label = (run: RunRecord) => run.mode === 'session+tracking' ? `session+tracking (${run.variant.split(',')[0] as string})` : run.mode
  const failures = (run: RunRecord) => whileDown(run).reduce((sum, point) => sum + point.failed, 0)
  return `With Redis down, ${kept.length === 0 ? 'no mode' : list(kept.map(label))} kept answering 200` +
    (failed.length === 0 ? '.' : `; ${list(failed.map((run) => `${label(run)} (${fmt(failures(run))} refused)`))} failed while it was down, and recovered without a restart.`)
}

function revocation (report: ReportRecord): string | undefined {
  if (report.revocation.length === 0) return undefined
  const healthy = report.revocation.filter((entry) => entry.fault === undefined && entry.cause === undefined)
  const faulted = report.revocation.filter((entry) => entry.fault !== undefined)
  const changed = report.revocation.filter((entry) => entry.cause === 'password change')
  const afterChange = changed.length === 0
    ? ''
    : ` After a password change, another credential of the account is refused: ${list(changed.map((entry) =>
      `${entry.mode} ${entry.lagMs === null ? 'only when it expires' : `after ${ms(entry.lagMs)}`}`))}.`
  const still = healthy.filter((entry) => entry.lagMs === null).map((entry) => entry.mode)
  const refused = healthy.filter((entry) => entry.lagMs !== null)
    .sort((a, b) => (a.lagMs as number) - (b.lagMs as number))
    .map((entry) => `${entry.mode} after ${ms(entry.lagMs as number)}`)
  const underFaults = faulted.length === 0
    ? ''
    : ` With one connection gone silent: ${list(faulted.map((entry) => `${revocationLabel(entry)} ` +
      (entry.lagMs === null ? 'NOT refused within its bound' : `after ${ms(entry.lagMs)}`) +
      ` (bound ${entry.boundMs ?? '?'} ms)`))}.`
  return `A revoked credential is refused: ${list(refused)} (median, one round trip included)` +
    (still.length === 0 ? '.' : `; ${list(still)} keeps working until the token expires.`) + afterChange + underFaults
}

function redisLimit (report: ReportRecord): string | undefined {
  const capacity = report.capacity
  const limited = capacity?.modes.filter((mode) => mode.redisCeilingRps !== null) ?? []
  if (capacity === null || limited.length === 0) return undefined
  const measured = capacity.redisCeiling
  const row = measured?.measured.find((entry) => entry.command === 'session GET' && entry.batch === measured.assumedBatch)
  const source = row === undefined
    ? 'projected from Redis CPU per command in the busy throughput run: no ceiling was measured'
    : `measured: ${fmt(row.ceilingCommandsPerSecond)} session GETs/s at batches of ${row.batch}` +
      (measured?.measuredBatch == null ? '' : `, the depth the session run's reads arrived in (${measured.measuredBatch} commands per read event)`) +
      (saturated(row) ? '' : ', extrapolated: the client was the limit')
  const modes = limited.map((mode) => `${mode.mode} at about ${fmt(mode.redisCeilingRps as number)} req/s ` +
    `(${((mode.redisCeilingRps as number) / mode.perInstanceRps).toFixed(0)} profile instances' worth)`)
  const fanout = report.fanout
  const tracking = fanout === undefined || fanout.redisCpuMicrosPerMessage === null
    ? ''
    : ` Tracked sessions ask Redis nothing per request; each session write costs it ${fanout.baselineCpuMicrosPerWrite.existing} µs plus ` +
      `${fanout.redisCpuMicrosPerMessage} µs per invalidation sent (fan-out, measured).`
  return `One Redis core becomes the limit for ${list(modes)} (${source}); token modes without revocation never ask Redis.${tracking}`
}
