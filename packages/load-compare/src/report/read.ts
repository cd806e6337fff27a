import { readFile } from 'node:fs/promises'
import { Value } from 'typebox/value'
import { Report, schemaProblems, type InstructionRunRecord, type ReportRecord } from '../schema.js'

/**
 * A report written by `pnpm compare --json`, checked against the schema, with the instruction and CPU-time runs
 * replaced where new ones are given: the summary and the page can be made again without measuring again.
 * Fields this version no longer writes (conclusions an older version stored beside its measurements) are dropped.
 */
export async function readReport (
  path: string, replace: { instructions?: InstructionRunRecord[], cpuTime?: InstructionRunRecord } = {}
): Promise<ReportRecord> {
  const report = Value.Clean(Report, JSON.parse(await readFile(path, 'utf8'))) as ReportRecord
  if (replace.instructions !== undefined) report.instructions = replace.instructions
  if (replace.cpuTime !== undefined) report.cpuTime = replace.cpuTime
  const problems = schemaProblems(Report, report)
  if (problems.length > 0) throw new Error(`${path} is not a report of pnpm compare --json: ${problems.slice(0, 5).join('; ')}`)
  return report
}
