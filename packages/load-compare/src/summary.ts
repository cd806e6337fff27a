import type { FanoutRecord, ReportRecord, RunRecord } from './schema.js'
import { formatTable } from './table.js'

export const SUMMARY_HEADER = ['scenario', 'mode', 'variant', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'err', 'non-2xx', 'CPU µs/req', 'Redis cmd/req', 'cred. bytes']

const num = (value: number | null, digits = 1): string => value === null ? '–' : value.toFixed(digits)

export function summaryRow (run: RunRecord): string[] {
  return [
    run.scenario, run.mode, run.variant, Math.round(run.rps).toLocaleString('en-US'),
    num(run.latency.p50, 0), num(run.latency.p99, 0), num(run.latency.max, 0),
    `${run.errors}${run.flagged && run.scenario !== 'outage' ? ' !' : ''}`, String(run.non2xx),
    num(run.cpuMicrosPerRequest), num(run.redisCommandsPerRequest, 2), String(run.credentialBytes)
  ]
}

/** What `pnpm compare` prints at the end: every run, the revocation lags, and what was skipped. */
export function summaryText (report: ReportRecord): string {
  const lines = [formatTable(SUMMARY_HEADER, report.runs.map(summaryRow))]
  const flagged = report.runs.filter((run) => run.flagged && run.scenario !== 'outage')
  if (flagged.length > 0) lines.push(`\n! ${flagged.length} run(s) had errors or non-2xx answers: ${flagged.map((run) => `${run.mode} (${run.variant})`).join('; ')}`)
  if (report.revocation.length > 0) {
    lines.push('', formatTable(['revocation', 'action', 'lag (median)', 'samples ms'],
      report.revocation.map((entry) => [entry.mode, entry.action, entry.lagMs === null ? 'until exp' : `${entry.lagMs} ms`, entry.samplesMs.join(' ')])))
  }
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
