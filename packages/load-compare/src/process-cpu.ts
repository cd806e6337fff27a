import { readFileSync } from 'node:fs'

const TICKS_PER_SECOND = 100

/**
 * CPU time (user + system, all threads) a process has used so far, in microseconds, from
 * `/proc/<pid>/stat`; undefined where there is no procfs or no such process.
 */
export function processCpuMicros (pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const ticks = Number(fields[11]) + Number(fields[12])
    return ticks * (1_000_000 / TICKS_PER_SECOND)
  } catch {
    return undefined
  }
}
