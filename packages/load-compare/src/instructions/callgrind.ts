import { execFile } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** What one sample counted: instructions executed, per thread, and how often each named function was called. */
export interface Counts {
  /** Thread 1, the event loop, where requests are served. */
  eventLoop: number
  /** Every thread of the process: the event loop, V8's compiler and GC helpers, libuv's pool. */
  allThreads: number
  /** Calls into the functions asked for, on the event loop. */
  calls: Record<string, number>
}

/** What a measurement counts, per sample of a process: instructions (callgrind) or CPU time (`CpuTime`). */
export interface Counter {
  /** `instructions`: thousands per request; `cpu-time`: µs per request. */
  readonly unit: 'instructions' | 'cpu-time'
  /** The command the measured process is started under (none for CPU time). */
  launcher: () => string[]
  sample: (pid: number, work: () => Promise<void>, functions?: readonly string[]) => Promise<Counts>
  close: () => void
}

/**
 * A process run under `valgrind --tool=callgrind` with instrumentation off until asked for: `sample` counts
 * the instructions executed while `work` runs, and nothing else (not the start-up, not the warm-up).
 */
export class Callgrind implements Counter {
  readonly unit = 'instructions'
  readonly dir: string
  /** Dumps taken per process: callgrind numbers each process's dumps from 1. */
  private readonly dumps = new Map<number, number>()

  /** The command a service is started under. */
  launcher (): string[] {
    return [
      'valgrind', '--tool=callgrind', '--instr-atstart=no', '--separate-threads=yes',
      // Enough to name V8's runtime functions in the counts, without the cost of full cache simulation.
      '--dump-instr=no', '--collect-jumps=no', `--callgrind-out-file=${join(this.dir, 'cg.%p')}`
    ]
  }

  /**
   * vgdb, which callgrind_control talks through, names its pipes after the `HOST` of the process it
   * serves: the services run with HOST set to the address they listen on, so the control must too.
   */
  constructor (private readonly host: string, private readonly keepDir?: string) {
    this.dir = keepDir ?? mkdtempSync(join(tmpdir(), 'authpair-callgrind-'))
  }

  async sample (pid: number, work: () => Promise<void>, functions: readonly string[] = []): Promise<Counts> {
    await this.control(pid, '--zero')
    await this.control(pid, '--instr=on')
    try {
      await work()
    } finally {
      await this.control(pid, '--instr=off')
    }
    await this.control(pid, '--dump')
    const dump = (this.dumps.get(pid) ?? 0) + 1
    this.dumps.set(pid, dump)
    const prefix = `cg.${pid}.${dump}-`
    const files = readdirSync(this.dir).filter((name) => name.startsWith(prefix)).sort()
    if (files.length === 0) throw new Error(`callgrind wrote no dump for process ${pid}`)
    const calls = Object.fromEntries(functions.map((name) => [name, 0]))
    const counts: Counts = { eventLoop: 0, allThreads: 0, calls }
    for (const file of files) {
      const text = readFileSync(join(this.dir, file), 'utf8')
      const total = totalOf(text)
      counts.allThreads += total
      if (file === `${prefix}01`) {
        counts.eventLoop = total
        for (const name of functions) counts.calls[name] = callsInto(text, name)
      }
    }
    return counts
  }

  /** Removes the dumps, unless they were asked to be kept (for callgrind_annotate). */
  close (): void {
    if (this.keepDir === undefined) rmSync(this.dir, { recursive: true, force: true })
  }

  private async control (pid: number, command: string): Promise<void> {
    await run('callgrind_control', [command, String(pid)], { env: { ...process.env, HOST: this.host }, timeout: 120_000 })
  }
}

/** The `totals:` line: instructions of the whole dump (`summary:`, before it, counts since the last zeroing only). */
export function totalOf (dump: string): number {
  const match = /^totals:\s+(\d+)/m.exec(dump)
  if (match === null) throw new Error('a callgrind dump without totals')
  return Number(match[1])
}

/**
 * How many calls the dump records into a function whose name contains `name`. Callgrind compresses names:
 * `cfn=(7) Runtime_X` the first time, `cfn=(7)` after; each `calls=N …` line follows the callee it counts.
 */
export function callsInto (dump: string, name: string): number {
  const ids = new Set<string>()
  let callee: string | undefined
  let total = 0
  for (const line of dump.split('\n')) {
    if (line.startsWith('cfn=') || line.startsWith('fn=')) {
      const match = /^c?fn=\((\d+)\)(?: (.*))?$/.exec(line)
      if (match === null) continue
      const [, id, fullName] = match as unknown as [string, string, string | undefined]
      if (fullName !== undefined && fullName.includes(name)) ids.add(id)
      if (line.startsWith('cfn=')) callee = id
    } else if (line.startsWith('calls=')) {
      if (callee !== undefined && ids.has(callee)) total += Number(line.slice(6).split(' ')[0])
      callee = undefined
    }
  }
  return total
}
