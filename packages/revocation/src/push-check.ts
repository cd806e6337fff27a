import { setTimeout as sleep } from 'node:timers/promises'
import { ConnectionWatch, watchTimings } from '@authpair/redis'
import { Redis, type Cluster } from 'ioredis'
import type { RevocationCheck } from './checks.js'
import { isRevoked, revocationChannel, revocationKeys, type RevocableClaims, type Revocation } from './records.js'

export interface PushCheckOptions {
  /** The client's key prefix: pub/sub channels are not prefixed by ioredis. */
  keyPrefix: string
  /**
   * REVOCATION_STALENESS_MAX_MS: the longest a revoked token may still be accepted by this instance, whatever
   * its connections do. The subscriber is probed every fifth of it; the pushed set is trusted only while
   * the subscriber answered a probe sent within the last `stalenessMaxMs`.
   */
  stalenessMaxMs: number
  /** Where tokens are checked while the pushed set is not trusted: the denylist, one MGET per request. */
  fallback: RevocationCheck
  onError: (error: unknown) => void
  /** Told when the pushed set starts (true) or stops (false) being trusted. */
  onTrustChange?: (trusted: boolean) => void
}

const parse = (message: string): Revocation | null => {
  try { return JSON.parse(message) as Revocation } catch { return null }
}

/**
 * push: revocations arrive over pub/sub and are kept in memory until the tokens concerned expire, so a
 * request costs no Redis work while the subscriber is healthy.
 *
 * What is held is trusted only after the subscriber has (re)subscribed and then loaded the revocation log,
 * in that order (a revocation published in between is seen twice, never missed), and only while the
 * subscriber keeps answering probes. Otherwise every token is checked against the denylist too, which
 * answers correctly as long as Redis does, and fails closed (503) or open as the fallback was built.
 */
export class PushRevocationCheck implements RevocationCheck {
  private readonly deniedJtis = new Map<string, number>() // jti -> exp (s)
  private readonly deniedFamilies = new Map<string, number>() // fid -> exp (s)
  private readonly revokedBefore = new Map<string, { beforeMs: number, exp: number }>() // sub -> latest
  private readonly subscriber: Redis | Cluster
  private readonly watch: ConnectionWatch
  private readonly prune: NodeJS.Timeout
  /** Subscribed, then loaded, on the current connection. */
  private synced = false
  /** Moves whenever the subscriber's connection is lost: a sync of an older one stops. */
  private generation = 0
  private closed = false

  private constructor (private readonly redis: Redis | Cluster, private readonly options: PushCheckOptions) {
    // Subscribed again by us after each reconnection, then the log reloaded: in that order. Connected by
    // `start`, whatever the caller's client does.
    this.subscriber = redis instanceof Redis
      ? redis.duplicate({
        connectionName: `${redis.options.connectionName ?? 'authpair'}:revocations`, autoResubscribe: false, lazyConnect: true
      })
      : redis.duplicate([], { lazyConnect: true })
    this.watch = new ConnectionWatch(async () => { await this.subscriber.ping() }, {
      ...watchTimings(options.stalenessMaxMs),
      onLost: (error) => { this.dropSubscriber(error) }
    })
    this.prune = setInterval(() => { this.pruneExpired() }, 60_000).unref()
  }

  /** Connects the subscriber and returns once the pushed set is loaded and trusted. */
  static async start (redis: Redis | Cluster, options: PushCheckOptions): Promise<PushRevocationCheck> {
    const check = new PushRevocationCheck(redis, options)
    const { subscriber } = check
    subscriber.on('error', options.onError)
    subscriber.on('message', (_channel: string, message: string) => { check.apply(message) })
    subscriber.on('close', () => { check.lost() })
    await subscriber.connect()
    await check.sync(check.generation)
    // Every later 'ready' is a reconnection: subscribe and reload before trusting again.
    subscriber.on('ready', () => { check.sync(check.generation).catch(options.onError) })
    check.watch.start()
    return check
  }

  /** Whether the pushed set is trusted now. */
  get trusted (): boolean { return this.synced && Date.now() - this.watch.currentAsOf < this.options.stalenessMaxMs }

  /** Revocations held in memory. */
  get loaded (): number { return this.deniedJtis.size + this.deniedFamilies.size + this.revokedBefore.size }

  isRevoked (claims: RevocableClaims): boolean | Promise<boolean> {
    const held = isRevoked(claims, this.deniedJtis.has(claims.jti) || this.deniedFamilies.has(claims.fid),
      this.revokedBefore.get(claims.sub)?.beforeMs ?? null)
    if (held || this.trusted) return held
    return this.options.fallback.isRevoked(claims)
  }

  async close (): Promise<void> {
    this.closed = true
    this.watch.stop()
    clearInterval(this.prune)
    this.subscriber.disconnect()
  }

  /** Subscribe, then load the log (retried until it succeeds, or the connection is lost again). */
  private async sync (generation: number): Promise<void> {
    const subscribedAt = Date.now()
    await this.subscriber.subscribe(revocationChannel(this.options.keyPrefix))
    for (let attempt = 0; ; attempt++) {
      if (this.closed || generation !== this.generation) return
      try {
        await this.loadLog()
        break
      } catch (error) {
        // The main connection may not be back yet (it reconnects on its own schedule).
        this.options.onError(error)
        await sleep(Math.min(50 * 2 ** attempt, 1000))
      }
    }
    if (this.closed || generation !== this.generation) return
    // Everything published before the SUBSCRIBE is in the log; everything after comes over the connection.
    this.watch.reset(subscribedAt)
    this.synced = true
    this.options.onTrustChange?.(true)
  }

  private async loadLog (): Promise<void> {
    for (const message of await this.redis.zrangebyscore(revocationKeys.log, Date.now(), '+inf')) this.apply(message)
  }

  private apply (message: string): void {
    const revocation = parse(message)
    if (revocation === null) return
    if (revocation.kind === 'jti') this.deniedJtis.set(revocation.jti, revocation.exp)
    else if (revocation.kind === 'family') this.deniedFamilies.set(revocation.fid, revocation.exp)
    else if ((this.revokedBefore.get(revocation.sub)?.beforeMs ?? -1) < revocation.beforeMs) {
      this.revokedBefore.set(revocation.sub, { beforeMs: revocation.beforeMs, exp: revocation.exp })
    }
  }

  /** The subscriber's connection is gone (closed, or found silent): nothing more arrives until a resync. */
  private lost (): void {
    this.generation++
    this.watch.reset()
    if (!this.synced) return
    this.synced = false
    this.options.onTrustChange?.(false)
  }

  private dropSubscriber (error: Error): void {
    if (this.closed || this.subscriber.status !== 'ready') return // already closed or reconnecting
    this.options.onError(new Error(`the revocation subscriber failed its check (${error.message}); reconnecting it`))
    this.lost()
    this.subscriber.disconnect(true)
  }

  private pruneExpired (): void {
    const now = Date.now() / 1000
    for (const [jti, exp] of this.deniedJtis) if (exp <= now) this.deniedJtis.delete(jti)
    for (const [fid, exp] of this.deniedFamilies) if (exp <= now) this.deniedFamilies.delete(fid)
    for (const [sub, entry] of this.revokedBefore) if (entry.exp <= now) this.revokedBefore.delete(sub)
  }
}
