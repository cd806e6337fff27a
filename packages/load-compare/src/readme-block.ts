import { decisions, instructionFinding } from './decisions.js'
import type { ReportRecord } from './schema.js'

export const BEGIN = '<!-- report:begin -->'
export const END = '<!-- report:end -->'

const cell = (text: string): string => text.replace(/\|/g, '\\|')

/**
 * What the README shows of the committed run, generated from its JSON: the decision table (the same rows as the
 * report's), the instruction counts, and where the run comes from. `pnpm docs:readme` writes it between the
 * markers; a test checks that the README holds what the JSON gives.
 */
export function readmeBlock (report: ReportRecord): string {
  const { meta } = report
  const rows = decisions(report).map((row) => `| **${row.pick}** | ${cell(row.when)} | ${cell(row.evidence)} |`)
  const instructions = instructionFinding(report)
  const untouched = report.instructions === undefined
    ? ''
    : ': that moves none of the instruction counts, refusals or outage results above; the lags in ms are this machine\'s'
  return [
    '| pick | when | what the committed run measured |',
    '|---|---|---|',
    ...rows,
    '',
    ...instructions === undefined ? [] : [instructions, ''],
    `The run: \`pnpm compare${(meta.settings.repeat ?? 1) > 1 ? ` --repeat ${meta.settings.repeat ?? 1}` : ''}\` on Node ${meta.node.replace(/^v/, '')}, ` +
      `${meta.machine.cores} cores (${meta.machine.cpuModel}), commit ${meta.commit?.slice(0, 7) ?? 'unknown'}, ${meta.startedAt.slice(0, 10)}` +
      `${report.trust.trustworthy ? '' : `; its timings are marked not trustworthy (the report says why)${untouched}`}.`
  ].join('\n')
}

/** The README with the block between the markers replaced. */
export function withReadmeBlock (readme: string, block: string): string {
  const start = readme.indexOf(BEGIN)
  const end = readme.indexOf(END)
  if (start < 0 || end < start) throw new Error(`README.md has no ${BEGIN} … ${END} markers`)
  return `${readme.slice(0, start + BEGIN.length)}\n${block}\n${readme.slice(end)}`
}
