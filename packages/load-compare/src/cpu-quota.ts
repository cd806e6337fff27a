import { existsSync, mkdirSync, rmdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const V1 = '/sys/fs/cgroup/cpu'
const V2 = '/sys/fs/cgroup'

/**
 * Runs `fn` with process `pid` limited to `cores` of CPU (a cgroup CPU quota: 0.5 = half of one core),
 * then puts it back. Undefined when this machine does not let us (no writable cgroup CPU controller).
 */
export async function withCpuQuota<T> (pid: number, cores: number, fn: () => Promise<T>): Promise<T | undefined> {
  const period = 100_000
  const quota = Math.round(cores * period)
  const v1 = existsSync(join(V1, 'cpu.cfs_quota_us'))
  const v2 = !v1 && existsSync(join(V2, 'cgroup.controllers'))
  if (!v1 && !v2) return undefined
  const root = v1 ? V1 : V2
  const group = join(root, `authpair-quota-${process.pid}`)
  try {
    mkdirSync(group)
    if (v1) {
      writeFileSync(join(group, 'cpu.cfs_period_us'), String(period))
      writeFileSync(join(group, 'cpu.cfs_quota_us'), String(quota))
    } else {
      writeFileSync(join(group, 'cpu.max'), `${quota} ${period}`)
    }
    writeFileSync(join(group, 'cgroup.procs'), String(pid))
  } catch {
    try { rmdirSync(group) } catch {}
    return undefined
  }
  try {
    return await fn()
  } finally {
    try {
      writeFileSync(join(root, 'cgroup.procs'), String(pid))
      rmdirSync(group)
    } catch {}
  }
}
