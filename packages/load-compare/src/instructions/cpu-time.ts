import { readdirSync, readFileSync } from 'node:fs'
import type { Counts, Counter } from './callgrind.js'

/**
 * CPU time instead of instructions, for the same samples run without valgrind: what each thread of the process
 * spent on a CPU while `work` ran, user and kernel time together, in nanoseconds (`/proc/<pid>/task/<tid>/schedstat`,
 * the scheduler's own clock, not the 10 ms ticks of `/proc/<pid>/stat`). On a quiet machine its ratios tell what
 * instruction counts leave out (cache misses, stalls, the kernel's work in syscalls); on a busy one they move with it.
 */
export class CpuTime implements Counter {
  readonly unit = 'cpu-time'

  launcher (): string[] { return [] }

  async sample (pid: number, work: () => Promise<void>): Promise<Counts> {
    const before = threadTimes(pid)
    await work()
    const after = threadTimes(pid)
    let allThreads = 0
    // Threads that ended during the sample took their time with them: V8 and libuv keep theirs for the process's life.
    for (const [tid, nanos] of after) allThreads += nanos - (before.get(tid) ?? 0)
    return { eventLoop: (after.get(pid) ?? 0) - (before.get(pid) ?? 0), allThreads, calls: {} }
  }

  close (): void {}
}

/** Nanoseconds on a CPU so far, per thread of `pid` (the event loop is the thread whose id is the pid). */
function threadTimes (pid: number): Map<number, number> {
  const times = new Map<number, number>()
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      times.set(Number(tid), Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]))
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return times
}
