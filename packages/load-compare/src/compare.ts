import { spawnSync } from 'node:child_process'
import { cpus, totalmem } from 'node:os'
import { capacityModel, measuredBatches } from './capacity.js'
import { Harness, type ModeSpec, type Settings } from './harness.js'
import { oneLinePerMode, throughputModes } from './modes.js'
import type { Arrivals } from './open-loop.js'
import { mergeRevocations, mergeRounds } from './repeats.js'
import {
  Report, schemaProblems, type InstructionRunRecord, type ModelCheckRecord, type RedisCeilingRecord, type ReportRecord,
  type RevocationRecord, type RunRecord
} from './schema.js'
import { fanout, type FanoutPlan } from './scenarios/fanout.js'
import { modelChecks } from './scenarios/model-check.js'
import { outage, type OutagePlan } from './scenarios/outage.js'
import { redisCeiling, type RedisCeilingPlan } from './scenarios/redis-ceiling.js'
import { revocationLag, type RevocationPlan } from './scenarios/revocation.js'
import { storeDistance } from './scenarios/store-distance.js'
import { defaultRate, fixedRate, throughput } from './scenarios/throughput.js'
import { hasCommand, pinSelf } from './services.js'
import { startStack, type ProfileRole } from './stack.js'
import { assessTrust, DEFAULT_POLICY, runWarnings, type TrustPolicy } from './trust.js'

export const SCENARIOS = ['throughput', 'fixed-rate', 'store-distance', 'revocation', 'outage', 'fanout', 'redis-ceiling'] as const
export type ScenarioFlag = typeof SCENARIOS[number]

export interface CompareOptions {
  quick: boolean
  duration?: number
  connections?: number
  pipelining?: number
  rate?: number
  manyTokens?: number
  arrivals?: Arrivals
  /** Rounds of every scenario but fan-out and the Redis ceiling; each row reports the median round. */
  repeat?: number
  policy?: Partial<TrustPolicy>
  scenarios: ScenarioFlag[]
  authUrl?: string
  profileUrl?: string
  redisUrl?: string
  /** Runs of `pnpm bench --instructions --json`, put in the report as its deterministic cost figures. */
  instructions?: InstructionRunRecord[]
  /** A run of `pnpm bench --cpu-time --json` on a quiet machine, to set the instruction ratios against. */
  cpuTime?: InstructionRunRecord
  progress: boolean
  log: (line: string) => void
}

/** One round's measurements, before the rounds are merged. */
interface Round { runs: RunRecord[], ceilings: number[], revocation: RevocationRecord[] }

/** Runs the chosen scenarios and returns the report (already checked against its schema). */
export async function compare (options: CompareOptions): Promise<ReportRecord> {
  const startedAt = new Date().toISOString()
  const cores = cpus().length // before this process pins itself to one of them
  const repeat = options.repeat ?? 1
  const policy: TrustPolicy = { ...DEFAULT_POLICY, ...options.policy }
  const settings: Settings = {
    duration: options.duration ?? (options.quick ? 1 : 10),
    warmup: options.quick ? 1 : 2,
    warmupEveryRun: !options.quick,
    connections: options.connections ?? 100,
    pipelining: options.pipelining ?? 1,
    manyTokens: options.manyTokens ?? (options.quick ? 100 : 1000),
    arrivals: options.arrivals ?? 'constant',
    progress: options.progress,
    onRunDone: options.log
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
  const ceilingPlan: Omit<RedisCeilingPlan, 'redisCpu' | 'benchCpu'> = options.quick
    ? { batches: [1, 16], commands: 20_000, connections: 50 }
    : { batches: [1, 4, 16, 64], commands: 200_000, connections: 50 }
  const wants = (scenario: ScenarioFlag) => options.scenarios.includes(scenario)
  const external = options.authUrl !== undefined || options.profileUrl !== undefined
  const roles = new Set<ProfileRole>(['stateless'])
  if (wants('throughput') || wants('fixed-rate')) roles.add('no-cache')
  if (['throughput', 'fixed-rate', 'outage', 'revocation'].some((s) => wants(s as ScenarioFlag))) {
    for (const role of ['denylist', 'push', 'tracking'] as const) roles.add(role)
  }
  if (wants('outage')) roles.add('tracking-serve-cached')
  if (wants('revocation')) { roles.add('quiet-push'); roles.add('quiet-tracking') }
  if (wants('store-distance')) { roles.add('distant'); roles.add('distant-unbatched'); roles.add('distant-tracking') }

  const pinning = !external && cores >= 2
  options.log(external ? `Targeting ${options.authUrl ?? ''} and ${options.profileUrl ?? ''}` : 'Starting Redis, the auth service and the profile instances…')
  const stack = await startStack({
    roles: [...roles],
    authUrl: options.authUrl,
    profileUrl: options.profileUrl,
    redisUrl: options.redisUrl,
    serviceCpu: pinning ? 0 : undefined,
    otherCpu: pinning ? 1 : undefined,
    naive: wants('throughput') && !external
  })
  // After the start: children inherit the affinity of the process that spawns them.
  const pinned = pinning && pinSelf(1)
  const rounds: Round[] = []
  const skipped: ReportRecord['skipped'] = []
  if (options.instructions === undefined) {
    skipped.push({
      scenario: 'instruction counts',
      reason: hasCommand('valgrind')
        ? 'none given: run `pnpm bench --instructions --json F` (about 30 min) and pass --instructions-from F; the costs below are CPU time, this machine\'s'
        : 'valgrind is not installed, and no --instructions-from run was given: the costs below are CPU time, this machine\'s'
    })
  }
  let fanoutRecord: ReportRecord['fanout']
  let ceilingRows: RedisCeilingRecord['measured'] | null = null
  let checks: ModelCheckRecord[] = []
  let harness: Harness | undefined
  try {
    harness = await Harness.create(stack, settings)
    const available = (specs: ReturnType<typeof throughputModes>) =>
      specs.filter((spec) => stack.profiles[spec.role] !== undefined)
    // Every instance has served nothing yet: warm them all at once (later runs warm again unless --quick).
    await harness.warmUpAll(available(throughputModes(1)))
    let rate = options.rate
    const roundsStarted = performance.now()
    for (let index = 0; index < repeat; index++) {
      if (repeat > 1) {
        // Rounds run the same scenarios: the ones done tell how long the rest will take.
        const perRound = index === 0 ? undefined : (performance.now() - roundsStarted) / index
        const left = perRound === undefined ? '' : `; about ${Math.ceil(perRound * (repeat - index) / 60_000)} min left for the rounds`
        options.log(`Round ${index + 1} of ${repeat}${left}`)
      }
      // A round takes minutes: tokens from before it may expire during it.
      if (index > 0) await harness.renewTokens()
      const round = await oneRound(harness, {
        ...options, rate, wants, available, skipped: index === 0 ? skipped : [], outagePlan, revocationPlan
      })
      // Every round offers the first round's rate: rows of the same rate are comparable, and merge.
      rate ??= round.runs.find((run) => run.scenario === 'fixed-rate')?.offeredRate
      rounds.push(round)
    }
    if (wants('throughput') && pinning && !options.quick) {
      options.log('Checking the per-instance model: the session and token modes on a whole core, then on half a core')
      const specs = oneLinePerMode().filter((spec) => spec.mode === 'session' || (spec.mode === 'token' && spec.variant.startsWith('cache on')))
      checks = await modelChecks(harness, specs)
      if (checks.every((check) => check.cores === 1)) skipped.push({ scenario: 'model check at half a core', reason: 'no writable cgroup CPU controller here' })
    }
    if (wants('redis-ceiling')) {
      if (external || !hasCommand('redis-server') || !hasCommand('redis-benchmark')) {
        skipped.push({ scenario: 'redis-ceiling', reason: 'needs redis-server and redis-benchmark to drive a Redis of its own (not with --auth-url)' })
      } else {
        // Besides the fixed batches, the ones the profile's reads actually arrived in during the throughput runs.
        const measured = measuredBatches(mergeRounds(rounds.map((round) => round.runs)).filter((run) => run.scenario === 'throughput'))
        const batches = [...new Set([...ceilingPlan.batches, ...measured])].sort((a, b) => a - b)
        options.log(`Scenario: Redis ceiling (a Redis on one core, batches of ${batches.join(', ')}` +
          `${measured.length === 0 ? '' : `; measured in the throughput runs: ${measured.join(', ')}`})`)
        const cpus = { redisCpu: pinning ? 0 : undefined, benchCpu: pinning ? 1 : undefined }
        ceilingRows = await redisCeiling({ ...ceilingPlan, batches, ...cpus }, await harness.sessionValue())
      }
    }
    if (wants('fanout')) {
      if (external || !hasCommand('redis-server')) {
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

  const marked = (runs: RunRecord[]) => runs.map((run) => ({ ...run, warnings: runWarnings(run, policy) }))
  const runs = mergeRounds(rounds.map((round) => marked(round.runs)))
  const trust = assessTrust(runs, rounds.flatMap((round) => round.ceilings), policy)
  const report: ReportRecord = {
    meta: {
      tool: 'authpair load-compare',
      schemaVersion: 2,
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
        pinned,
        arrivals: settings.arrivals,
        repeat
      }
    },
    trust,
    runs,
    revocation: mergeRevocations(rounds.map((round) => round.revocation)),
    capacity: capacityModel(runs.filter((run) => run.scenario === 'throughput'), ceilingRows, checks),
    ...fanoutRecord === undefined ? {} : { fanout: fanoutRecord },
    ...options.instructions === undefined ? {} : { instructions: options.instructions },
    ...options.cpuTime === undefined ? {} : { cpuTime: options.cpuTime },
    skipped
  }
  const problems = schemaProblems(Report, report)
  if (problems.length > 0) throw new Error(`report does not match its schema: ${problems.join('; ')}`)
  return report
}

interface RoundContext extends CompareOptions {
  wants: (scenario: ScenarioFlag) => boolean
  available: (specs: ModeSpec[]) => ModeSpec[]
  skipped: ReportRecord['skipped']
  outagePlan: OutagePlan
  revocationPlan: RevocationPlan
}

/** Every scenario that can be repeated, once. */
async function oneRound (harness: Harness, context: RoundContext): Promise<Round> {
  const { wants, available, skipped, log } = context
  const { stack, settings } = harness
  const round: Round = { runs: [], ceilings: [], revocation: [] }
  let throughputRuns: RunRecord[] = []
  if (wants('throughput')) {
    log('Scenario: throughput (closed loop; the ceiling measured before and after every mode)')
    const result = await throughput(harness, available(throughputModes(settings.manyTokens)))
    throughputRuns = result.runs
    round.runs.push(...result.runs)
    round.ceilings.push(...result.ceilings)
  }
  const rate = context.rate ?? defaultRate(throughputRuns)
  if (wants('fixed-rate')) {
    log(`Scenario: fixed rate, ${rate} req/s offered to every mode (open loop, ${settings.arrivals} arrivals)`)
    round.runs.push(...await fixedRate(harness, available(oneLinePerMode()), rate))
  }
  if (wants('store-distance')) {
    if (stack.proxy === undefined) {
      skipped.push({ scenario: 'store-distance', reason: 'needs profile instances of its own (not with --auth-url/--profile-url)' })
    } else {
      log('Scenario: store distance (+0, +1, +5 ms to Redis)')
      round.runs.push(...await storeDistance(harness))
    }
  }
  if (wants('revocation')) {
    log('Scenario: revocation lag')
    round.revocation = await revocationLag(harness, context.revocationPlan)
  }
  if (wants('outage')) {
    const { outagePlan } = context
    if (stack.ownRedis === undefined) {
      skipped.push({ scenario: 'outage', reason: 'needs a redis-server of its own to stop (install redis-server, leave REDIS_URL unset, no --auth-url)' })
    } else {
      log(`Scenario: store outage (Redis killed at ${outagePlan.downAt} s, back at ${outagePlan.upAt} s)`)
      round.runs.push(...await outage(harness, outagePlan))
    }
  }
  return round
}

function offeredRate (runs: RunRecord[]): number | null {
  return runs.find((run) => run.scenario === 'fixed-rate')?.offeredRate ?? null
}

function gitCommit (): string | null {
  const result = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: new URL('.', import.meta.url), encoding: 'utf8' })
  return result.status === 0 ? result.stdout.trim() : null
}
