import { revocationLabel, revocationLagText, type ReportRecord } from '../schema.js'
import {
  CAPACITY_HEADER, capacityRows, CEILING_HEADER, ceilingRows, FANOUT_HEADER, fanoutRows, leadLines, MODEL_HEADER,
  modelRows, SCALE_HEADER, scaleRows,
  SUMMARY_HEADER, summaryRow
} from '../summary.js'
import { CPU_TIME_HEADER, cpuTimeRows, INSTRUCTION_HEADER, instructionRows } from '../decisions.js'
import { charts, renderSvg } from './charts.js'

const escape = (text: string): string =>
  text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] as string)

const STYLE = `
body { font: 16px/1.5 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.2rem; margin-top: 2.5rem; }
table { border-collapse: collapse; font-size: 0.85rem; margin: 1rem 0; display: block; overflow-x: auto; max-width: 100%; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25rem 0.5rem; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1.5rem 0; } figcaption { color: #555; font-size: 0.9rem; }
.flag { color: #b00020; font-weight: bold; }
.note { background: #f6f6f6; padding: 0.75rem 1rem; border-left: 4px solid #30638e; }
.verdict { background: #fdecea; padding: 0.75rem 1rem; border-left: 4px solid #b00020; font-weight: bold; }
.warnings li { color: #b00020; }
.findings li { margin: 0.4rem 0; }
table.decide td { vertical-align: top; }
figure svg { max-width: 100%; height: auto; }
`

/** A self-contained page: inline CSS and inline SVG charts, no script, nothing fetched. */
export async function renderReport (report: ReportRecord): Promise<string> {
  const { meta } = report
  const lead = leadLines(report)
  const figures: string[] = []
  for (const chart of charts(report)) {
    figures.push(`<figure id="chart-${chart.id}"><h2>${escape(chart.title)}</h2>${await renderSvg(chart.spec)}<figcaption>${escape(chart.caption)}</figcaption></figure>`)
  }
  const numeric = new Set([3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14])
  const rows = report.runs.map((run) => `<tr${run.warnings.length > 0 ? ` class="flag" title="${escape(run.warnings.join('; '))}"` : ''}>${summaryRow(run).map((cell, i) => `<td${numeric.has(i) ? ' class="n"' : ''}>${escape(cell)}</td>`).join('')}</tr>`)
  const marked = report.runs.filter((run) => run.warnings.length > 0)
  const table = (header: string[], body: string[][], numericFrom: number) => `<table><tr>${header.map((title) => `<th>${escape(title)}</th>`).join('')}</tr>
${body.map((row) => `<tr>${row.map((cell, i) => `<td${i >= numericFrom ? ' class="n"' : ''}>${escape(cell)}</td>`).join('')}</tr>`).join('\n')}</table>`
  const ceiling = report.capacity?.redisCeiling
  const capacity = report.capacity === null
    ? ''
    : `<h2>Capacity model</h2><p class="note">Measured: profile CPU per request for each mode and Redis commands per request.
${ceiling == null
    ? `No Redis ceiling was measured (redis-benchmark missing or the scenario not chosen): the Redis column is projected from Redis CPU per command in the busy
throughput run (${report.capacity.redisCpuMicrosPerCommand ?? '–'} µs): an estimate, not a measurement (in one run it was half the measured ceiling).`
    : `The Redis column is the measured ceiling of one Redis core for the mode's command, over the mode's commands per request. It is measured at
the batch the mode's own reads arrived in during its throughput run (Redis's commands per read event; the session run sent ${ceiling.measuredBatch ?? '–'},
measured at ${ceiling.assumedBatch ?? '–'}): the column "batch" says which. Beside it, the old projection from CPU per command.`}
Projected: throughput for more profile instances (one core each) and for Redis Cluster shards, assuming the costs stay linear; the network,
the load balancer and the auth service are left out.</p>
${table(CAPACITY_HEADER, capacityRows(report.capacity), 2)}
${ceiling == null
? ''
: `<h3>Redis ceiling, measured</h3><p class="note">A Redis pinned to one core, driven by redis-benchmark from the other core with the profile's real reads (a stored session record; the denylist's MGET).
Saturated: Redis used at least 90 % of its core, so the figure is a measured ceiling; otherwise the client was the limit and the ceiling is extrapolated.</p>
${table(CEILING_HEADER, ceilingRows(report.capacity), 1)}`}
${report.capacity.modelChecks.length === 0
? ''
: `<h3>The per-instance model against measurement</h3><p class="note">Predicted: cores × 1e6 / CPU µs per request measured on a whole core.
Measured: the mode's throughput on its whole core, and again with the profile process held to half a core by a cgroup CPU quota.</p>
${table(MODEL_HEADER, modelRows(report.capacity), 2)}`}`
  const fanout = report.fanout === undefined
    ? ''
    : `<h2>What session tracking costs Redis</h2><p class="note">Measured: processes each holding every one of
${report.fanout.sessions.toLocaleString('en-US')} sessions (TrackingSessionCache), every session written once (a touch or a logout), then as many
new keys (logins). A write with nobody tracking costs Redis ${report.fanout.baselineCpuMicrosPerWrite.existing} µs; each invalidation message
${report.fanout.redisCpuMicrosPerMessage ?? '–'} µs more. Default tracking tells only the processes that read a key (and Redis remembers who read
what); BCAST tells every process of every write under the prefix and remembers nothing.</p>
${table(FANOUT_HEADER, fanoutRows(report.fanout), 3)}
<p class="note">Projected for ${report.fanout.scale[0]?.instances ?? 100} profile instances over one Redis, with ${report.fanout.scaleAssumptions.activeSessions.toLocaleString('en-US')} active sessions
touched every ${report.fanout.scaleAssumptions.touchIntervalSeconds} s, ${report.fanout.scaleAssumptions.loginsPerSecond} logins and ${report.fanout.scaleAssumptions.logoutsPerSecond} logouts a second, and (default tracking)
each session read by ${report.fanout.scaleAssumptions.instancesHoldingASession} instances between two writes.</p>
${table(SCALE_HEADER, scaleRows(report.fanout), 1)}`
  const revocation = report.revocation.map((entry) =>
    `<tr><td>${escape(revocationLabel(entry))}</td><td>${escape(entry.action)}</td><td class="n">${revocationLagText(entry)}</td><td>${escape(entry.note ?? entry.samplesMs.join(', '))}</td></tr>`)
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>authpair load-compare report</title><style>${STYLE}</style></head>
<body><main>
<h1>Sessions against tokens: what each costs</h1>
${lead.verdict === undefined ? '' : `<p class="verdict">${escape(lead.verdict)}</p>`}
<section id="findings"><h2>What this run found</h2><ul class="findings">${lead.findings.map((sentence) => `<li>${escape(sentence)}</li>`).join('\n')}</ul></section>
${lead.decisions.length === 0
    ? ''
    : `<section id="decide"><h2>Which to pick</h2><table class="decide"><tr><th>pick</th><th>when</th><th>what this run measured</th></tr>
${lead.decisions.map((row) => `<tr><td><strong>${escape(row.pick)}</strong></td><td>${escape(row.when)}</td><td>${escape(row.evidence)}</td></tr>`).join('\n')}</table></section>`}
${lead.warnings.length === 0
    ? '<p class="note" id="trust">No trust warning: the ceiling held within tolerance, no other process was busy, no errors.</p>'
    : `<section id="trust"><h2>Warnings</h2><ul class="warnings">${lead.warnings.map((warning) => `<li>${escape(warning)}</li>`).join('\n')}</ul>
<ul class="warnings">${marked.map((run) => `<li>${escape(`${run.scenario} ${run.mode} (${run.variant}): ${run.warnings.join('; ')}`)}</li>`).join('\n')}</ul></section>`}
<p>${escape(meta.machine.cpuModel)}, ${meta.machine.cores} cores, Node ${escape(meta.node)}, ${meta.commit === null ? '' : `commit ${escape(meta.commit.slice(0, 12))}, `}${escape(meta.target)};
${meta.settings.duration} s per run, ${meta.settings.connections} connections, pipelining ${meta.settings.pipelining}${meta.settings.pinned ? ', services and load generator on different cores' : ''}. Started ${escape(meta.startedAt)}.</p>
<p class="note">Every number in the tables and the first five charts is measured in this run. Only the capacity chart is a projection, computed from the measured costs.
Throughput runs are closed loop (autocannon, whole milliseconds) and each is bracketed by the bare route of the same code and core ("× ceiling");
fixed-rate and outage runs are open loop (${escape(meta.settings.arrivals ?? 'constant')} arrivals, latency from each request's intended start, microseconds).</p>
<h2>Summary</h2>
<table><tr>${SUMMARY_HEADER.map((title) => `<th>${escape(title)}</th>`).join('')}</tr>
${rows.join('\n')}
</table>
${marked.length === 0 ? '' : '<p class="note">Rows in red carry a trust warning (hover for it; all are listed under Warnings): read their timings with it.</p>'}
${report.instructions === undefined
    ? ''
    : `<h2>Cost per request, in instructions</h2><p class="note">Thousands of instructions the profile process's event-loop thread executes per
request of GET /v1/me, under callgrind: ${report.instructions[0]?.settings.requests ?? '?'} requests at ${report.instructions[0]?.settings.connections ?? '?'} connections after
${report.instructions[0]?.settings.warmup ?? '?'} warm-up requests per route, median of ${report.instructions[0]?.settings.rounds ?? '?'} rounds, on ${escape(report.instructions[0]?.node ?? '?')}
(from ${escape(report.instructions.map((run) => run.source).join(' and '))}; <code>pnpm bench --instructions</code>). Unlike req/s, these do not move with the
machine. They are not cycles: cache misses and the kernel's time in syscalls are not counted, and Redis is not in them.</p>
${table(INSTRUCTION_HEADER, instructionRows(report), 2)}
${report.cpuTime === undefined
    ? '<p class="note">No CPU-time run was given (<code>--cpu-time-from</code>): how far instructions are from time is not shown.</p>'
    : `<h3>Instructions against CPU time</h3><p class="note">The same routes, the same samples and warm-up, run without valgrind on a quiet
machine (<code>pnpm bench --cpu-time</code>, ${escape(report.cpuTime.source)}: ${report.cpuTime.settings.requests} requests per sample, median of
${report.cpuTime.settings.rounds} rounds, ${escape(report.cpuTime.node)}), counting the event-loop thread's CPU time, user and kernel. Each route over its
own process's bare route, both ways: the difference is what instruction counts leave out for that route. CPU time moves with the machine; the
instruction ratios are the ones the decisions quote.</p>
${table(CPU_TIME_HEADER, cpuTimeRows(report), 2)}`}`}
${report.revocation.length === 0 ? '' : `<h2>Revocation</h2><table><tr><th>mode</th><th>action</th><th>lag</th><th>samples / note</th></tr>${revocation.join('\n')}</table>`}
${figures.join('\n')}
${capacity}
${fanout}
${report.skipped.map((entry) => `<p>Skipped ${escape(entry.scenario)}: ${escape(entry.reason)}</p>`).join('\n')}
</main></body></html>
`
}
