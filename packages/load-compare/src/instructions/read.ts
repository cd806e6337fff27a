import { readFile } from 'node:fs/promises'
import { InstructionRunSchema, schemaProblems, type InstructionRunRecord } from '../schema.js'

/**
 * Runs of `pnpm bench --instructions --json` (or `--cpu-time`, when `expected` says so), checked against the
 * report's schema and named by their file.
 */
export async function readInstructionRuns (
  paths: string[], expected: NonNullable<InstructionRunRecord['unit']> = 'instructions'
): Promise<InstructionRunRecord[]> {
  const runs: InstructionRunRecord[] = []
  for (const path of paths) {
    const { settings, unit, node, figures, restarts } = JSON.parse(await readFile(path, 'utf8')) as Omit<InstructionRunRecord, 'source'>
    const run = {
      source: path,
      ...unit === undefined ? {} : { unit },
      node,
      settings: {
        requests: settings.requests, warmup: settings.warmup, connections: settings.connections, rounds: settings.rounds
      },
      figures,
      restarts
    }
    const problems = schemaProblems(InstructionRunSchema, run)
    if (problems.length > 0) throw new Error(`${path} is not a run of pnpm bench --instructions --json: ${problems.join('; ')}`)
    if ((run.unit ?? 'instructions') !== expected) throw new Error(`${path} counts ${run.unit ?? 'instructions'}, not ${expected}`)
    runs.push(run)
  }
  return runs
}
