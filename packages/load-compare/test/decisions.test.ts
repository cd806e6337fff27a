import t from 'tap'
import { readFileSync } from 'node:fs'
import { decisions, instructionAgreement, instructionFinding } from '../src/decisions.js'
import { significant } from '../src/numbers.js'
import { readInstructionRuns } from '../src/instructions/read.js'
import type { ReportRecord } from '../src/schema.js'
import { leadLines } from '../src/summary.js'

// The committed report and the two committed instruction runs: the decision table is generated from them.
const docs = (name: string) => new URL(`../../../docs/${name}`, import.meta.url)
const committed = JSON.parse(readFileSync(docs('report.json'), 'utf8')) as ReportRecord
const runs = await readInstructionRuns(['bench/instructions-after-run1.json', 'bench/instructions-after-run2.json'].map((name) => docs(name).pathname))
const report: ReportRecord = { ...committed, instructions: runs }

t.test('one decision per mode measured, each citing this run\'s numbers', async (t) => {
  const rows = decisions(report)
  t.same(rows.map((row) => row.pick), ['token+push', 'session+tracking', 'session', 'token+denylist', 'token'])
  const session = rows.find((row) => row.pick === 'session')
  t.match(session?.evidence, /^209k instructions a request, 1\.97× a bare textbook Fastify route; revoked: refused after /,
    'the cost is the instruction count, against the textbook app')
  t.match(session?.evidence, /Redis down: \d+ % refused/, 'what Redis down did to it')
  t.match(rows.find((row) => row.pick === 'token')?.evidence, /refused only at exp.*Redis down: kept answering/)
  t.match(rows.find((row) => row.pick === 'session+tracking')?.evidence, /\(fail-closed\): \d+ % refused; Redis down \(serve-cached\): kept answering/,
    'both variants of the outage, each as measured')
})

t.test('without instruction counts the cost is CPU time, and said to be this machine\'s', async (t) => {
  const { instructions: _none, ...withoutInstructions } = report
  t.match(decisions(withoutInstructions).find((row) => row.pick === 'session')?.evidence, /^\d+ µs of CPU a request \(this machine\)/)
  t.equal(instructionFinding(withoutInstructions), undefined)
})

t.test('the two instruction runs agree within 2.2 %, and the finding says so', async (t) => {
  const agreement = instructionAgreement(report) as number
  t.ok(agreement > 0 && agreement < 0.025, `${(agreement * 100).toFixed(2)} %`)
  t.match(instructionFinding(report), /2 runs, within 2\.\d % of each other/)
})

t.test('the verdict counts the warnings it lists, and says what noise does not move', async (t) => {
  const lead = leadLines(report)
  const listed = report.trust.warnings.length + report.runs.filter((run) => run.warnings.length > 0).length
  t.match(lead.verdict, new RegExp(`\\(${listed} warnings, listed after the findings\\)`))
  t.match(lead.verdict, /the decision table stands/)
})

t.test('rates to three significant figures', async (t) => {
  t.same([1046918, 21099.6, 857.2, 4.567, 0].map(significant), ['1,050,000', '21,100', '857', '4.57', '0'])
})
