import { readFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { processCpuMicros } from './process-cpu.js'

const MICROS_PER_TICK = 1_000_000 / 100

export interface MachineSnapshot {
  at: number
  /** Busy CPU time of the whole machine so far (every core), µs; undefined without /proc/stat. */
  busyMicros?: number
  /** Time the hypervisor gave this VM's cores to someone else, µs. */
  stealMicros?: number
  /** CPU time of each of this tool's own processes so far, µs, by pid. */
  own: Map<number, number>
}

/** What the rest of the machine did during a run, in cores (1 = one core busy all along). */
export interface MachineLoad {
  /**
   * CPU used by processes that are not this tool's (the services, Redis, the load generator): other work.
   * Null against an external target, whose processes this tool cannot tell from others.
   */
  otherCores: number | null
  /** CPU the hypervisor took away (steal): a neighbour on the host. */
  stealCores: number | null
  loadAverage1m: number
}

/** Reads the machine's CPU counters and those of the tool's own processes, to tell its load from others'. */
export class MachineSampler {
  /** `ownPids` undefined: the services are not this tool's processes, so other work cannot be told apart. */
  constructor (private readonly ownPids: (() => Array<number | undefined>) | undefined) {}

  snapshot (): MachineSnapshot {
    const own = new Map<number, number>()
    for (const pid of [process.pid, ...this.ownPids?.() ?? []]) {
      const micros = pid === undefined ? undefined : processCpuMicros(pid)
      if (pid !== undefined && micros !== undefined) own.set(pid, micros)
    }
    return { at: performance.now(), ...readProcStat(), own }
  }

  between (before: MachineSnapshot, after: MachineSnapshot): MachineLoad {
    const wallMicros = (after.at - before.at) * 1000
    const cores = (micros: number) => wallMicros <= 0 ? null : Math.max(0, Math.round(micros / wallMicros * 100) / 100)
    const known = before.busyMicros !== undefined && after.busyMicros !== undefined
    // Per process: one that ended during the run (Redis killed by the outage) counts what it used up to the
    // last reading; one that started during it (Redis restarted) counts from zero.
    let ownMicros = 0
    for (const [pid, micros] of after.own) ownMicros += micros - (before.own.get(pid) ?? 0)
    return {
      otherCores: known && this.ownPids !== undefined
        ? cores((after.busyMicros as number) - (before.busyMicros as number) - ownMicros)
        : null,
      stealCores: known ? cores((after.stealMicros ?? 0) - (before.stealMicros ?? 0)) : null,
      loadAverage1m: Math.round((loadavg()[0] ?? 0) * 100) / 100
    }
  }
}

/** The first line of /proc/stat: user nice system idle iowait irq softirq steal … in ticks. */
function readProcStat (): { busyMicros?: number, stealMicros?: number } {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] as string
    const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number) as number[]
    const busy = (user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0)
    return { busyMicros: busy * MICROS_PER_TICK, stealMicros: (steal ?? 0) * MICROS_PER_TICK }
  } catch {
    return {}
  }
}
