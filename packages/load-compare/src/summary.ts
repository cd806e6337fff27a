import { CPU_TIME_HEADER, cpuTimeRows, decisions, INSTRUCTION_HEADER, instructionRows, type Decision } from './decisions.js'
import { findings, timedFindings } from './findings.js'
import { micros, significant } from './numbers.js'
import { revocationLabel, revocationLagText, saturated, type CapacityRecord, type FanoutRecord, type ReportRecord, type RunRecord } from './schema.js'
import { formatTable } from './table.js'

export const SUMMARY_HEADER = [
  'scenario', 'mode', 'variant', 'req/s', '× ceiling', '× textbook bare', 'p50 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'err', 'non-2xx', 'CPU µs/req',
  'Redis cmd/req', 'cred. bytes', 'trust'
]

const num = (value: number | null | undefined, digits = 1): string => value === null || value === undefined ? '–' : value.toFixed(digits)
/** Measured rates and times to three significant figures: a run on a noisy machine supports no more. */
const sig = (value: number | null | undefined): string => value === null || value === undefined ? '–' : significant(value)
/** Closed-loop latencies are whole milliseconds; open-loop ones microseconds, shown to three significant figures. */
const latency = (run: RunRecord, value: number | undefined): string =>
  run.latency.p999 === undefined ? num(value, 0) : sig(value)

export function summaryRow (run: RunRecord): string[] {
  const range = run.repeats === undefined ? '' : ` (${significant(run.repeats.rps.min)}–${significant(run.repeats.rps.max)})`
  return [
    run.scenario, run.mode, run.variant, `${significant(run.rps)}${range}`, num(run.ratioToCeiling, 2), num(run.ratioToTextbookBare, 2),
    ...[run.latency.p50, run.latency.p99, run.latency.p999, run.latency.max].map((value) => latency(run, value)),
    String(run.errors), String(run.non2xx),
    run.cpuMicrosPerRequest === null ? '–' : micros(run.cpuMicrosPerRequest, run.repeats?.cpuMicros),
    num(run.redisCommandsPerRequest, 2), String(run.credentialBytes),
    run.warnings.length === 0 ? 'ok' : `! ${run.warnings.length}`
  ]
}

/** The first lines of the summary and the report: a verdict on the run, what it found, and what to pick. */
export interface Lead { verdict: string | undefined, findings: string[], decisions: Decision[], warnings: string[] }

export function leadLines (report: ReportRecord): Lead {
  const { trust } = report
  const count = trust.warnings.length + report.runs.filter((run) => run.warnings.length > 0).length
  // Noise moves timings; it does not move instruction counts, whether a revoked credential was refused, or who
  // kept answering while Redis was down. The decisions rest on those when the report has instruction counts.
  const unmoved = report.instructions === undefined
    ? 'Revocation results and outage behaviour stand; the cost figures (CPU time) may move, and with them the order of close modes.'
    : 'Not affected by that noise: the instruction counts (the cost figures of the decision table), whether revoked credentials ' +
      'were refused within their bounds, and who kept answering while Redis was down; so the decision table stands.'
  const timed = timedFindings(report)
  const wouldChange = timed.length === 0
    ? ' No finding rests on timings.'
    : ` Findings that rest on timings and could read differently on a quiet machine: ${timed.join('; ')}; the others would not change.`
  return {
    verdict: trust.trustworthy
      ? undefined
      : `Timings NOT TRUSTWORTHY: the machine or the run misbehaved (${count} warning${count === 1 ? '' : 's'}, listed after the ` +
        `findings), so req/s, latencies, lags and CPU µs may be off. ${unmoved}${wouldChange}`,
    findings: findings(report),
    decisions: decisions(report),
    warnings: trust.warnings
  }
}

/** What `pnpm compare` prints at the end: the verdict, the findings, the warnings, then every run and section. */
export function summaryText (report: ReportRecord): string {
  const lead = leadLines(report)
  const lines: string[] = []
  if (lead.verdict !== undefined) lines.push(`!!! ${lead.verdict}`, '')
  lines.push('What this run found:', ...lead.findings.map((sentence) => `- ${sentence}`), '')
  if (lead.decisions.length > 0) {
    lines.push('Which to pick:', ...lead.decisions.map((row) => `- ${row.pick} when ${row.when}. This run: ${row.evidence}.`), '')
  }
  if (lead.warnings.length > 0) lines.push('Warnings:', ...lead.warnings.map((warning) => `! ${warning}`), '')
  lines.push(formatTable(SUMMARY_HEADER, report.runs.map(summaryRow)))
  const marked = report.runs.filter((run) => run.warnings.length > 0)
  if (marked.length > 0) {
    lines.push('', 'Marked rows:', ...marked.map((run) => `! ${run.scenario} ${run.mode} (${run.variant}): ${run.warnings.join('; ')}`))
  }
  if (report.revocation.length > 0) {
    lines.push('', formatTable(['revocation', 'action', 'lag (median)', 'samples ms'],
      report.revocation.map((entry) => [revocationLabel(entry), entry.action, revocationLagText(entry), entry.samplesMs.join(' ')])))
  }
  if (report.instructions !== undefined) lines.push('', 'Instructions per request (thousands, event-loop thread):', formatTable(INSTRUCTION_HEADER, instructionRows(report)))
  const timed = cpuTimeRows(report)
  if (timed.length > 0) lines.push('', 'Instruction ratios against CPU-time ratios of a quiet run:', formatTable(CPU_TIME_HEADER, timed))
  if (report.capacity !== null) lines.push('', ...capacityLines(report.capacity))
  if (report.fanout !== undefined) lines.push('', ...fanoutLines(report.fanout))
  for (const skipped of report.skipped) lines.push(`skipped ${skipped.scenario}: ${skipped.reason}`)
  return lines.join('\n')
}

export const FANOUT_HEADER = ['tracking', 'processes', 'write', 'messages/write', 'Redis CPU µs/write', 'tracked items', 'bytes/item']

export function fanoutRows (fanout: FanoutRecord): string[][] {
  return fanout.rows.map((row) => [
    row.tracking, String(row.subscribers), row.write === 'existing' ? 'touch/logout (read by all)' : 'login (read by none)',
    num(row.messagesPerWrite, 2), num(row.redisCpuMicrosPerWrite, 2), row.trackedItems === null ? '–' : String(row.trackedItems),
    num(row.trackingBytesPerItem, 0)
  ])
}

export const SCALE_HEADER = ['tracking', 'instances', 'writes/s', 'invalidations/s', 'share of one Redis core', 'tracking memory MiB']

export function scaleRows (fanout: FanoutRecord): string[][] {
  return fanout.scale.map((row) => [
    row.tracking, String(row.instances), row.writesPerSecond.toLocaleString('en-US'), row.messagesPerSecond.toLocaleString('en-US'),
    `${(row.redisCoreShare * 100).toFixed(1)} %`, num(row.trackingMemoryMiB)
  ])
}

function fanoutLines (fanout: FanoutRecord): string[] {
  const base = fanout.baselineCpuMicrosPerWrite
  return [
    `Invalidation fan-out (${fanout.sessions} sessions; a write with nobody tracking costs Redis ${base.existing} µs; ` +
      `each invalidation message ${fanout.redisCpuMicrosPerMessage ?? '–'} µs more):`,
    formatTable(FANOUT_HEADER, fanoutRows(fanout)),
    '', 'Projected for a fleet (assumptions in the JSON, scaleAssumptions):',
    formatTable(SCALE_HEADER, scaleRows(fanout))
  ]
}

export const CAPACITY_HEADER = [
  'mode', 'variant', 'CPU µs/req', 'Redis cmd/req', 'per instance (req/s)', 'Redis cmd/read', 'batch', 'one Redis core (req/s)', 'from CPU/command (req/s)'
]

export function capacityRows (capacity: CapacityRecord): string[][] {
  return capacity.modes.map((mode) => [
    mode.mode, mode.variant, micros(mode.cpuMicrosPerRequest), num(mode.redisCommandsPerRequest, 2),
    sig(mode.perInstanceRps),
    num(mode.redisCommandsPerRead, 1), mode.redisBatch == null ? '–' : String(mode.redisBatch),
    mode.redisCeilingRps === null ? 'no Redis work' : sig(mode.redisCeilingRps), sig(mode.redisCeilingFromCpuRps)
  ])
}

export const CEILING_HEADER = ['command', 'batch', 'connections', 'commands/s', 'Redis CPU', 'ceiling commands/s', 'saturated']

export function ceilingRows (capacity: CapacityRecord): string[][] {
  return (capacity.redisCeiling?.measured ?? []).map((row) => [
    row.command, String(row.batch), String(row.connections), significant(row.commandsPerSecond),
    `${Math.round(row.redisCpuShare * 100)} %`, significant(row.ceilingCommandsPerSecond), saturated(row) ? 'yes' : 'no (extrapolated)'
  ])
}

export const MODEL_HEADER = ['mode', 'variant', 'cores', 'predicted req/s', 'measured req/s', 'model error']

export function modelRows (capacity: CapacityRecord): string[][] {
  return capacity.modelChecks.map((check) => [
    check.mode, check.variant, String(check.cores), significant(check.predictedRps), significant(check.measuredRps),
    `${check.error > 0 ? '+' : ''}${Math.round(check.error * 100)} %`
  ])
}

function capacityLines (capacity: CapacityRecord): string[] {
  const lines: string[] = []
  const ceiling = capacity.redisCeiling
  lines.push('Capacity per mode (measured per request; projected per instance and per Redis core):', formatTable(CAPACITY_HEADER, capacityRows(capacity)), '')
  if (ceiling !== null) {
    lines.push(`Redis ceiling, measured (one Redis core; the session run sent ${ceiling.measuredBatch ?? '–'} commands per read, ` +
      `so the model takes its ceiling at batches of ${ceiling.assumedBatch ?? '–'}):`, formatTable(CEILING_HEADER, ceilingRows(capacity)))
  }
  if (capacity.modelChecks.length > 0) {
    lines.push('', 'Per-instance model (1e6 / CPU µs per request × cores) against measurement:', formatTable(MODEL_HEADER, modelRows(capacity)))
  }
  return lines
}
