import t from 'tap'
import { readFileSync } from 'node:fs'
import { cpuTimeFinding, cpuTimeRows, decisions, instructionAgreement, instructionFinding } from '../src/decisions.js'
import { significant } from '../src/numbers.js'
import { readInstructionRuns } from '../src/instructions/read.js'
import type { ReportRecord } from '../src/schema.js'
import { leadLines } from '../src/summary.js'

// The committed report and the two committed instruction runs: the decision table is generated from them.
const docs = (name: string) => new URL(`../../../docs/${name}`, import.meta.url)
const committed = JSON.parse(readFileSync(docs('report.json'), 'utf8')) as ReportRecord
const runs = await readInstructionRuns(['bench/instructions-after-run1.json', 'bench/instructions-after-run2.json'].map((name) => docs(name).pathname))
const [cpuTime] = await readInstructionRuns([docs('bench/cpu-time-quiet.json').pathname], 'cpu-time')
const report: ReportRecord = { ...committed, instructions: runs, cpuTime }

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
  const modes = instructionAgreement(report, (figure) => figure.server === 'authpair' && figure.mode !== 'ceiling') as number
  t.ok(modes > 0 && modes < 0.02, `the modes' figures, the ones the decisions quote: ${(modes * 100).toFixed(2)} %`)
  t.match(instructionFinding(report), /2 runs: the modes' figures within 1\.\d % of each other, every figure within 2\.\d %/)
})

t.test('the verdict counts the warnings it lists, and says what noise does not move', async (t) => {
  const lead = leadLines(report)
  const listed = report.trust.warnings.length + report.runs.filter((run) => run.warnings.length > 0).length
  t.match(lead.verdict, new RegExp(`\\(${listed} warnings, listed after the findings\\)`))
  t.match(lead.verdict, /the decision table stands/)
  t.match(lead.verdict, /Findings that rest on timings and could read differently on a quiet machine: the cheapest mode by CPU time; .*; the others would not change\./,
    'which findings the noise could change, by name')
})

t.test('rates to three significant figures', async (t) => {
  t.same([1046918, 21099.6, 857.2, 4.567, 0].map(significant), ['1,050,000', '21,100', '857', '4.57', '0'])
})

t.test('the quiet CPU-time run beside the instruction ratios: how far apart, where most, and the order of the modes', async (t) => {
  const rows = cpuTimeRows(report)
  t.same(rows.map((row) => row[0]), [
    'authpair (stateless)', 'authpair (stateless)', 'authpair (tracking)', 'authpair (no-cache)', 'authpair (push)', 'authpair (denylist)',
    'textbook', 'textbook', 'express', 'express'
  ], 'every route but the bare ones, in the order measured')
  const session = rows.find((row) => row[1]?.startsWith('session, signed cookie'))
  t.equal(session?.[2], '1.40', 'the instruction ratio of the first run')
  t.match(session?.[4], /^[+-]\d+ %$/)
  const sentence = cpuTimeFinding(report)
  t.match(sentence, /^Instructions are not time: on a quiet run \(v24\.[\d.]+, CPU time of the event-loop thread, user and kernel\)/)
  t.match(sentence, /differed from the instruction ratio by -?\d+ % to \+?-?\d+ %, most for /)
  t.match(sentence, /authpair's modes (by instructions: .* < token \(cache off\); by CPU time: |come in the same order by both: )/)
  const { cpuTime: _none, ...withoutCpuTime } = report
  t.equal(cpuTimeFinding(withoutCpuTime), undefined, 'no quiet run, no comparison')
})
