import { withCpuQuota } from '../cpu-quota.js'
import type { Harness, ModeSpec } from '../harness.js'
import { round } from '../numbers.js'
import type { ModelCheckRecord } from '../schema.js'

/**
 * The capacity model says one instance serves cores × 1e6 / (CPU µs per request). Checked where this
 * machine allows: each mode on its whole core, then at once the same mode with the profile process held
 * to half a core by a cgroup quota, both predicted from the first run's CPU per request. Empty where
 * cgroups are not writable.
 */
export async function modelChecks (harness: Harness, specs: ModeSpec[]): Promise<ModelCheckRecord[]> {
  const checks: ModelCheckRecord[] = []
  for (const spec of specs) {
    const pid = harness.stack.profiles[spec.role]?.pid
    if (pid === undefined) continue
    const whole = await harness.run(spec, { scenario: 'throughput' })
    if (whole.cpuMicrosPerRequest === null || whole.cpuMicrosPerRequest <= 0) continue
    const perCore = 1e6 / whole.cpuMicrosPerRequest
    const check = (cores: number, measuredRps: number): ModelCheckRecord => ({
      mode: spec.mode,
      variant: spec.variant,
      cores,
      predictedRps: Math.round(perCore * cores),
      measuredRps: Math.round(measuredRps),
      error: round(measuredRps / (perCore * cores) - 1, 3)
    })
    checks.push(check(1, whole.rps))
    const half = await withCpuQuota(pid, 0.5, async () => await harness.run(spec, { scenario: 'throughput', variantSuffix: 'half a core' }))
    if (half !== undefined) checks.push(check(0.5, half.rps))
  }
  return checks
}
