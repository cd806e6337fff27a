import { Agent, request } from 'node:http'
import { createHistogram } from 'node:perf_hooks'
import type { LoadResult } from './load.js'

/** How requests are spread over time: evenly, or as a Poisson process (exponential gaps) at the same mean rate. */
export type Arrivals = 'constant' | 'poisson'

export interface OpenLoopOptions {
  url: string
  /** Headers of every request; with several sets, the requests take them in turn. */
  headerSets: Array<Record<string, string>>
  /** Requests per second, whatever the answers do. */
  rate: number
  /** Seconds. */
  duration: number
  arrivals: Arrivals
  /** Most connections open at once; a request with none free waits, and the wait counts in its latency. */
  connections: number
  timeoutMs?: number
  /** Called with every answer (true for 2xx) and every failed request, in order of completion. */
  onAnswer?: (ok: boolean) => void
  /** For Poisson arrivals: the same seed, the same schedule. */
  seed?: number
}

export interface OpenLoopResult extends LoadResult {
  latency: LoadResult['latency'] & { p999: number }
  /** p99 of how late the generator itself sent requests (ms after their intended start): above ~1 ms it fell behind. */
  sendLagP99: number
}

const MICROS_PER_MS = 1000

/**
 * An open-loop load generator: request i is due at a fixed time (i / rate, or a Poisson schedule), is sent
 * then whether or not earlier answers have come back, and its latency is counted from that intended start
 * (coordinated omission corrected: a stall delays every request due during it, and each one records the
 * delay). Latencies go into an HDR histogram in microseconds. Node's timers fire to the millisecond, so
 * requests due within the same millisecond leave together.
 */
export async function runOpenLoop (options: OpenLoopOptions): Promise<OpenLoopResult> {
  const { headerSets, rate } = options
  const timeoutMs = options.timeoutMs ?? 5000
  const target = new URL(options.url)
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections })
  const latencies = createHistogram({ lowest: 1, highest: 120_000_000, figures: 3 })
  const sendLag = createHistogram({ lowest: 1, highest: 120_000_000, figures: 3 })
  const next = arrivalTimes(options.arrivals, rate, options.seed ?? 1)
  let answered = 0
  let non2xx = 0
  let errors = 0
  let sent = 0
  let pending = 0
  let drained: (() => void) | undefined

  const finish = (intended: number, ok: boolean, answeredAtAll: boolean) => {
    if (answeredAtAll) {
      answered++
      if (!ok) non2xx++
      latencies.record(Math.max(1, Math.round((performance.now() - intended) * MICROS_PER_MS)))
    } else {
      errors++
    }
    options.onAnswer?.(ok)
    if (--pending === 0) drained?.()
  }

  const send = (intended: number) => {
    sendLag.record(Math.max(1, Math.round((performance.now() - intended) * MICROS_PER_MS)))
    const headers = headerSets[sent++ % headerSets.length]
    pending++
    let settled = false
    const settle = (ok: boolean, answeredAtAll: boolean) => {
      if (settled) return
      settled = true
      finish(intended, ok, answeredAtAll)
    }
    const outgoing = request({
      agent, host: target.hostname, port: target.port, path: `${target.pathname}${target.search}`, method: 'GET', headers
    }, (response) => {
      const ok = response.statusCode !== undefined && response.statusCode >= 200 && response.statusCode < 300
      response.on('end', () => settle(ok, true))
      response.on('error', () => settle(false, false))
      response.resume()
    })
    outgoing.setTimeout(timeoutMs, () => outgoing.destroy(new Error('timeout')))
    outgoing.on('error', () => settle(false, false))
    outgoing.end()
  }

  const started = performance.now()
  const end = started + options.duration * 1000
  await new Promise<void>((resolve) => {
    let due = started + next()
    const tick = () => {
      const now = performance.now()
      while (due <= now && due < end) {
        send(due)
        due += next()
      }
      if (due >= end) { resolve(); return }
      setTimeout(tick, Math.max(0, due - performance.now()))
    }
    tick()
  })
  if (pending > 0) await new Promise<void>((resolve) => { drained = resolve })
  agent.destroy()

  const ms = (micros: number) => Math.round(micros) / MICROS_PER_MS
  const percentile = (p: number) => answered === 0 ? 0 : ms(latencies.percentile(p))
  return {
    requests: answered,
    seconds: options.duration,
    rps: answered / options.duration,
    latency: {
      p50: percentile(50),
      p90: percentile(90),
      p99: percentile(99),
      p999: percentile(99.9),
      max: answered === 0 ? 0 : ms(latencies.max)
    },
    errors,
    non2xx,
    sendLagP99: sent === 0 ? 0 : ms(sendLag.percentile(99))
  }
}

/** Gaps between intended starts, in ms: 1000 / rate each, or exponentially distributed with that mean. */
function arrivalTimes (arrivals: Arrivals, rate: number, seed: number): () => number {
  const mean = 1000 / rate
  if (arrivals === 'constant') return () => mean
  const random = mulberry32(seed)
  return () => -Math.log(1 - random()) * mean
}

/** A small seeded PRNG: reproducible Poisson schedules. */
function mulberry32 (seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6D2B79F5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
