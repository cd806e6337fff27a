import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { Redis } from 'ioredis'

/** The shared Redis that CI and the development machine run; tests isolate themselves by key prefix. */
export const SHARED_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'

/** A key prefix no other test uses, so suites can run in parallel against one Redis. */
export function uniquePrefix (label = 't'): string {
  return `test:${label}:${randomBytes(6).toString('hex')}:`
}

export async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0))
    })
  })
}

/**
 * A redis-server of the test's own, for tests that stop, pause or restart Redis. It is ended by its
 * PID, never by a name, so the machine's shared Redis is never touched.
 */
export class OwnRedis {
  private process: ChildProcess | undefined
  readonly dir = mkdtempSync(join(tmpdir(), 'authpair-redis-'))
  private constructor (
    readonly port: number, private readonly persistent: boolean, private readonly extraArgs: string[]
  ) {}

  /** `extraArgs` go to redis-server as they are (cluster mode, replicaof…). */
  static async start ({ persistent = false, extraArgs = [] as string[] } = {}): Promise<OwnRedis> {
    const redis = new OwnRedis(await freePort(), persistent, extraArgs)
    await redis.startProcess()
    return redis
  }

  get url (): string { return `redis://127.0.0.1:${this.port}` }
  get pid (): number | undefined { return this.process?.pid }

  private async startProcess (): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', '',
      '--appendonly', this.persistent ? 'yes' : 'no', '--daemonize', 'no', '--loglevel', 'warning', ...this.extraArgs]
    this.process = spawn('redis-server', args, { stdio: 'ignore' })
    await this.waitUntilAnswering()
  }

  private async waitUntilAnswering (): Promise<void> {
    const deadline = Date.now() + 5000
    while (Date.now() < deadline) {
      const probe = new Redis(this.port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
      probe.on('error', () => {})
      try {
        await probe.connect()
        if (await probe.ping() === 'PONG') return
      } catch {
        await sleep(25)
      } finally {
        probe.disconnect()
      }
    }
    throw new Error(`redis-server on port ${this.port} did not start`)
  }

  /** SIGKILL: the connection drops at once, as when a Redis host dies. */
  async kill (): Promise<void> {
    const child = this.process
    if (child === undefined || child.exitCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGKILL')
    await exited
    this.process = undefined
  }

  /** SIGSTOP: connections stay open and nothing answers. */
  pause (): void { this.process?.kill('SIGSTOP') }
  resume (): void { this.process?.kill('SIGCONT') }

  async restart (): Promise<void> {
    await this.kill()
    await this.startProcess()
  }

  async stop (): Promise<void> {
    this.resume()
    await this.kill()
    rmSync(this.dir, { recursive: true, force: true })
  }
}

/** Deletes every key under `prefix` (SCAN, never KEYS), so suites leave the shared Redis as they found it. */
export async function deletePrefix (url: string, prefix: string): Promise<void> {
  const redis = new Redis(url)
  try {
    let cursor = '0'
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500)
      cursor = next
      if (found.length > 0) await redis.unlink(...found)
    } while (cursor !== '0')
  } finally {
    redis.disconnect()
  }
}

/** The `name=value` pairs of a response's Set-Cookie headers, with their attributes. */
export function parseSetCookies (
  header: string | string[] | undefined
): Map<string, { value: string, attributes: string[] }> {
  const cookies = new Map<string, { value: string, attributes: string[] }>()
  for (const line of [header ?? []].flat()) {
    const [pair = '', ...attributes] = line.split(';').map((part) => part.trim())
    const at = pair.indexOf('=')
    cookies.set(pair.slice(0, at), { value: pair.slice(at + 1), attributes })
  }
  return cookies
}
/**
 * `text` with the character at `at` (negative counts from the end) replaced by a different one, so the
 * result is never the input. Tamper with a significant character: the last of an unpadded base64 string
 * may carry padding bits only, and a decoder ignores those.
 */
export function tamper (text: string, at: number): string {
  const index = at < 0 ? text.length + at : at
  const replacement = text[index] === 'A' ? 'B' : 'A'
  return `${text.slice(0, index)}${replacement}${text.slice(index + 1)}`
}

export { FaultProxy, type Fault, type ProxiedConnection } from './fault-proxy.js'
export { LatencyProxy } from './latency-proxy.js'
export { OwnRedisCluster, OwnSentinelGroup } from './topologies.js'

/**
 * `name=value` of the session cookie a login answer set (`sid`, or `__Host-sid` when Secure), ready for a
 * Cookie header. A login sets the device cookie too, so the first Set-Cookie is not necessarily it.
 */
export function sessionCookieOf (response: Response): string {
  const line = response.headers.getSetCookie().find((cookie) => /^(__Host-)?sid=/.test(cookie))
  return line?.split(';')[0] ?? ''
}
