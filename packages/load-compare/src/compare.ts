import { spawnSync } from 'node:child_process'
import { cpus, totalmem } from 'node:os'
import { Value } from 'typebox/value'
import { capacityModel } from './capacity.js'
import { Harness, type Settings } from './harness.js'
import { oneLinePerMode, throughputModes } from './modes.js'
import { Report, type ReportRecord, type RunRecord } from './schema.js'
import { outage, type OutagePlan } from './scenarios/outage.js'
import { fanout, type FanoutPlan } from './scenarios/fanout.js'
import { revocationLag, type RevocationPlan } from './scenarios/revocation.js'
import { storeDistance } from './scenarios/store-distance.js'
import { defaultRate, fixedRate, throughput } from './scenarios/throughput.js'
import { pinSelf } from './services.js'
import { startStack, type ProfileRole } from './stack.js'

export const SCENARIOS = ['throughput', 'fixed-rate', 'store-distance', 'revocation', 'outage', 'fanout'] as const
export type ScenarioFlag = typeof SCENARIOS[number]

export interface CompareOptions {
  quick: boolean
  duration?: number
  connections?: number
  pipelining?: number
  rate?: number
  manyTokens?: number
  scenarios: ScenarioFlag[]
  authUrl?: string
  profileUrl?: string
  redisUrl?: string
  progress: boolean
  log: (line: string) => void
}

/** Runs the chosen scenarios and returns the report (already checked against its schema). */
export async function compare (options: CompareOptions): Promise<ReportRecord> {
  const startedAt = new Date().toISOString()
  const cores = cpus().length // before this process pins itself to one of them
  const settings: Settings = {
    duration: options.duration ?? (options.quick ? 1 : 10),
    warmup: options.quick ? 1 : 2,
    warmupEveryRun: !options.quick,
    connections: options.connections ?? 100,
    pipelining: options.pipelining ?? 1,
    manyTokens: options.manyTokens ?? (options.quick ? 100 : 1000),
    progress: options.progress
  }
  const outagePlan: OutagePlan = options.quick
    ? { duration: 6, downAt: 1.5, upAt: 3.5, rate: 200 }
    : { duration: 15, downAt: 4, upAt: 9, rate: 500 }
  const revocationPlan: RevocationPlan = options.quick
    ? { repeats: 3, patienceMs: 300 }
    : { repeats: 5, patienceMs: 2000 }

  const fanoutPlan: Omit<FanoutPlan, 'redisCpu' | 'otherCpu'> = options.quick
    ? { sessions: 2000, subscriberCounts: [1, 4] }
    : { sessions: 20_000, subscriberCounts: [1, 4, 16] }
  const wants = (scenario: ScenarioFlag) => options.scenarios.includes(scenario)
  const external = options.authUrl !== undefined || options.profileUrl !== undefined
  const roles = new Set<ProfileRole>(['stateless'])
  if (wants('throughput') || wants('fixed-rate')) roles.add('no-cache')
  if (['throughput', 'fixed-rate', 'outage', 'revocation'].some((s) => wants(s as ScenarioFlag))) {
    for (const role of ['denylist', 'push', 'tracking'] as const) roles.add(role)
  }
  if (wants('outage')) roles.add('tracking-serve-cached')
  if (wants('store-distance')) { roles.add('distant'); roles.add('distant-unbatched'); roles.add('distant-tracking') }

  const pinning = !external && cores >= 2
  options.log(external ? `Targeting ${options.authUrl ?? ''} and ${options.profileUrl ?? ''}` : 'Starting Redis, the auth service and the profile instances…')
  const stack = await startStack({
    roles: [...roles],
    authUrl: options.authUrl,
    profileUrl: options.profileUrl,
    redisUrl: options.redisUrl,
    serviceCpu: pinning ? 0 : undefined,
    otherCpu: pinning ? 1 : undefined
  })
  // After the start: children inherit the affinity of the process that spawns them.
  const pinned = pinning && pinSelf(1)
  const runs: RunRecord[] = []
  const skipped: ReportRecord['skipped'] = []
  let revocation: ReportRecord['revocation'] = []
  let fanoutRecord: ReportRecord['fanout']
  let harness: Harness | undefined
  try {
    harness = await Harness.create(stack, settings)
    const available = (specs: ReturnType<typeof throughputModes>) =>
      specs.filter((spec) => stack.profiles[spec.role] !== undefined)
    // Every instance has served nothing yet: warm them all at once (later runs warm again unless --quick).
    await harness.warmUpAll(available(throughputModes(1)))
    let throughputRuns: RunRecord[] = []
    if (wants('throughput')) {
      options.log('Scenario: throughput (closed loop)')
      throughputRuns = await throughput(harness, available(throughputModes(settings.manyTokens)))
      runs.push(...throughputRuns)
    }
    const rate = options.rate ?? defaultRate(throughputRuns)
    if (wants('fixed-rate')) {
      options.log(`Scenario: fixed rate, ${rate} req/s offered to every mode`)
      runs.push(...await fixedRate(harness, available(oneLinePerMode()), rate))
    }
    if (wants('store-distance')) {
      if (stack.proxy === undefined) {
        skipped.push({ scenario: 'store-distance', reason: 'needs profile instances of its own (not with --auth-url/--profile-url)' })
      } else {
        options.log('Scenario: store distance (+0, +1, +5 ms to Redis)')
        runs.push(...await storeDistance(harness))
      }
    }
    if (wants('revocation')) {
      options.log('Scenario: revocation lag')
      revocation = await revocationLag(harness, revocationPlan)
    }
    if (wants('outage')) {
      if (stack.ownRedis === undefined) {
        skipped.push({ scenario: 'outage', reason: 'needs a redis-server of its own to stop (install redis-server, leave REDIS_URL unset, no --auth-url)' })
      } else {
        options.log(`Scenario: store outage (Redis killed at ${outagePlan.downAt} s, back at ${outagePlan.upAt} s)`)
        runs.push(...await outage(harness, outagePlan))
      }
    }
    if (wants('fanout')) {
      if (external || !hasRedisServer()) {
        skipped.push({ scenario: 'fanout', reason: 'needs redis-server to start a Redis of its own (not with --auth-url)' })
      } else {
        const { subscriberCounts, sessions } = fanoutPlan
        options.log(`Scenario: invalidation fan-out (${subscriberCounts.join(', ')} tracking processes, ${sessions} sessions)`)
        // Its own Redis on the services' core (idle meanwhile); the subscribers beside this process.
        const cpus = { redisCpu: pinning ? 0 : undefined, otherCpu: pinning ? 1 : undefined }
        fanoutRecord = await fanout({ ...fanoutPlan, ...cpus })
      }
    }
  } finally {
    harness?.close()
    await stack.close()
  }

  const report: ReportRecord = {
    meta: {
      tool: 'authpair load-compare',
      schemaVersion: 1,
      startedAt,
      finishedAt: new Date().toISOString(),
      machine: { platform: process.platform, arch: process.arch, cpuModel: cpus()[0]?.model ?? 'unknown', cores, memoryGiB: Math.round(totalmem() / 2 ** 30) },
      node: process.version,
      commit: gitCommit(),
      target: external ? 'external' : 'own processes',
      settings: {
        duration: settings.duration,
        connections: settings.connections,
        pipelining: settings.pipelining,
        rate: wants('fixed-rate') ? offeredRate(runs) : null,
        scenarios: [...options.scenarios],
        manyTokens: settings.manyTokens,
        quick: options.quick,
        pinned
      }
    },
    runs,
    revocation,
    capacity: capacityModel(runs.filter((run) => run.scenario === 'throughput')),
    ...fanoutRecord === undefined ? {} : { fanout: fanoutRecord },
    skipped
  }
  const problems = [...Value.Errors(Report, report)].map((error) => `${error.instancePath} ${error.message}`)
  if (problems.length > 0) throw new Error(`report does not match its schema: ${problems.join('; ')}`)
  return report
}

function offeredRate (runs: RunRecord[]): number | null {
  return runs.find((run) => run.scenario === 'fixed-rate')?.offeredRate ?? null
}

function hasRedisServer (): boolean {
  return spawnSync('redis-server', ['--version']).status === 0
}

function gitCommit (): string | null {
  const result = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: new URL('.', import.meta.url), encoding: 'utf8' })
  return result.status === 0 ? result.stdout.trim() : null
}
