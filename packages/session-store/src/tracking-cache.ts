import { ConnectionWatch, isStoreUnavailable, watchTimings } from '@authpair/redis'
import type { Cluster, Redis } from 'ioredis'
import { parseRecord, sessionKey, type SessionRecord } from './record.js'
import { remainingMs, type SessionLifetimes } from './store.js'

/**
 * With Redis unreachable: answer 503 (as without the cache), or keep serving the sessions already cached,
 * for at most `maxStaleMs` past the last moment the cache was known to be current.
 */
export type WhenStoreDown = 'fail-closed' | 'serve-cached'

/**
 * How Redis tells this process what changed. `default`: only keys this process read, remembered by Redis
 * per key (memory on the server, messages only to readers). `bcast`: every write under the sessions'
 * prefix, to every process (no memory on the server, every write fans out to every instance).
 */
export type TrackingMode = 'default' | 'bcast'

export interface TrackingCacheOptions {
  /** Sessions kept in memory at most (least recently used dropped first); 0 keeps none. */
  maxEntries: number
  whenStoreDown: WhenStoreDown
  mode?: TrackingMode
  /**
   * The longest a logged-out session may still be served from memory, whatever the connections do
   * (REVOCATION_STALENESS_MAX_MS, default 2000). Both connections are probed every fifth of it; a cached
   * session is served only while both have answered a probe sent within the last `stalenessMaxMs`, and a
   * probe unanswered for two fifths of it counts as a loss (flush, reconnect).
   */
  stalenessMaxMs?: number
  /** serve-cached: how long past the last moment the cache was known current it may still answer (default 60 s). */
  maxStaleMs?: number
  /** Errors of the two connections, and of re-establishing tracking (logged by the caller). */
  onError: (error: unknown) => void
  /** Told whenever the cache starts trusting what it holds (`tracking`) or stops (`lost`). */
  onStateChange?: (state: 'tracking' | 'lost') => void
}

export interface TrackingCacheStats {
  hits: number
  misses: number
  /** Keys Redis said changed (each evicts the session, cached or in flight). */
  invalidations: number
  /** Times everything cached was dropped: tracking lost (fail-closed), re-established, or Redis flushed. */
  flushes: number
  /** Requests answered from a cached session while Redis was unreachable (serve-cached only). */
  servedWhileDown: number
  /** Attempts to set tracking up again after a reconnection that failed (each is retried, with backoff). */
  setupFailures: number
  /** Times the cache stopped or started trusting what it holds. */
  trustChanges: number
}

interface Entry {
  record: SessionRecord
  /** The tracking epoch the record was read in: only the current one is trusted. */
  epoch: number
}

interface Flight {
  promise: Promise<SessionRecord | null>
  /** An invalidation for the key arrived while the read was on its way: its answer is used once, not kept. */
  invalidated: boolean
}

const INVALIDATIONS = '__redis__:invalidate'

const isStandalone = (redis: Redis | Cluster): redis is Redis => !redis.isCluster

/**
 * Sessions served from process memory, kept correct by Redis's client-side caching (`CLIENT TRACKING …
 * REDIRECT`): Redis remembers which sessions this process read and, when one changes (logout, revoke,
 * touch, expiry, eviction), sends its key on `__redis__:invalidate` to a second connection of ours.
 *
 * Nothing is trusted that Redis could not tell us about: a read is kept only if tracking was on before it
 * left and still is when it comes back, with no invalidation for its key in between; when either
 * connection drops, what is held stops being trusted at that moment (flushed, or with `serve-cached`
 * kept only for answering while Redis is unreachable) and everything is flushed once tracking is back.
 * Idle and absolute expiry are enforced from the cached record's own times on every hit.
 *
 * Standalone Redis and Sentinel only: on Cluster, a key's invalidations come from its own shard.
 */
export class TrackingSessionCache {
  readonly stats: TrackingCacheStats = {
    hits: 0, misses: 0, invalidations: 0, flushes: 0, servedWhileDown: 0, setupFailures: 0, trustChanges: 0
  }

  private readonly entries = new Map<string, Entry>()
  private readonly inFlight = new Map<string, Flight>()
  private readonly keyPrefix: string
  private readonly mode: TrackingMode
  /** Moves on every loss and every re-establishment of tracking; a read that spans a move is not kept. */
  private epoch = 0
  private tracking = false
  private closed = false
  /** The subscriber connection's client id while it is subscribed. */
  private subscriberId: string | undefined
  private readonly stalenessMaxMs: number
  private readonly maxStaleMs: number
  /** Round trips that prove each connection current (see `currentAsOf`). */
  private readonly readerWatch: ConnectionWatch
  private readonly subscriberWatch: ConnectionWatch
  /** Re-establishing tracking: one attempt at a time, another queued behind it, failures backed off. */
  private readonly setup: { running: boolean, again: boolean, failures: number, retry?: NodeJS.Timeout } =
    { running: false, again: false, failures: 0 }

  private constructor (
    /** Reads sessions; Redis tracks the keys it reads. */
    readonly reader: Redis,
    /** Receives the invalidations. */
    readonly subscriber: Redis,
    private readonly lifetimes: SessionLifetimes,
    private readonly options: TrackingCacheOptions
  ) {
    this.keyPrefix = reader.options.keyPrefix ?? ''
    this.mode = options.mode ?? 'default'
    this.stalenessMaxMs = options.stalenessMaxMs ?? 2000
    this.maxStaleMs = options.maxStaleMs ?? 60_000
    const timings = watchTimings(this.stalenessMaxMs)
    // The reader is asked whether Redis still tracks it for our subscriber: a reader Redis dropped (and
    // with it the tracking table) while its socket stayed open here answers nothing, or answers "off".
    this.readerWatch = new ConnectionWatch(async () => { await this.checkReader() }, {
      ...timings, onLost: (error) => { this.drop(this.reader, error) }
    })
    this.subscriberWatch = new ConnectionWatch(async () => { await this.subscriber.ping() }, {
      ...timings, onLost: (error) => { this.drop(this.subscriber, error) }
    })
  }

  /** Opens the two connections (duplicates of `redis`) and waits until tracking is on. */
  static async start (
    redis: Redis | Cluster, lifetimes: SessionLifetimes, options: TrackingCacheOptions
  ): Promise<TrackingSessionCache> {
    if (!isStandalone(redis)) throw new Error('Session tracking needs a standalone or Sentinel Redis, not Redis Cluster')
    const name = redis.options.connectionName ?? 'authpair'
    const cache = new TrackingSessionCache(
      redis.duplicate({ connectionName: `${name}:session-cache`, lazyConnect: true }),
      // Subscribed again by us after each reconnection, once its new client id is known.
      redis.duplicate({ connectionName: `${name}:invalidations`, autoResubscribe: false, lazyConnect: true }),
      lifetimes,
      options
    )
    try {
      await cache.open()
    } catch (error) {
      await cache.close()
      throw error
    }
    return cache
  }

  get size (): number { return this.entries.size }
  /** Whether what is cached is trusted now: tracking on, and both connections proven current within the bound. */
  get isTracking (): boolean { return this.tracking && this.isCurrent() }

  /** Epoch ms up to which every invalidation Redis sent is known to have arrived. */
  private get currentAsOf (): number {
    return Math.min(this.readerWatch.currentAsOf, this.subscriberWatch.currentAsOf)
  }

  /** Measured on the real clock, whatever `now` a caller passes for the sessions' own deadlines. */
  private isCurrent (): boolean { return Date.now() - this.currentAsOf < this.stalenessMaxMs }

  /** The live session for this id, or null: from memory when tracked, else one GET. `now` is for its deadlines. */
  async read (sessionId: string, now = Date.now()): Promise<SessionRecord | null> {
    const entry = this.entries.get(sessionId)
    if (entry !== undefined && this.tracking && entry.epoch === this.epoch && this.isCurrent()) {
      this.stats.hits++
      // Least recently used goes first: a Map iterates in insertion order, so a hit moves to the end.
      this.entries.delete(sessionId)
      this.entries.set(sessionId, entry)
      return this.live(sessionId, entry.record, now)
    }
    this.stats.misses++
    try {
      const record = await this.load(sessionId)
      if (entry !== undefined && !this.tracking) this.keepForOutage(sessionId, entry, record)
      return record === null ? null : this.live(sessionId, record, now)
    } catch (error) {
      if (entry === undefined || this.options.whenStoreDown !== 'serve-cached' || !isStoreUnavailable(error)) throw error
      // Past the ceiling a cached session is refused too: a logout everywhere made meanwhile may be in it.
      if (Date.now() - this.currentAsOf > this.maxStaleMs) throw error
      this.stats.servedWhileDown++
      return this.live(sessionId, entry.record, now)
    }
  }

  async close (): Promise<void> {
    this.closed = true
    this.readerWatch.stop()
    this.subscriberWatch.stop()
    clearTimeout(this.setup.retry)
    this.lose()
    await Promise.all([this.reader, this.subscriber].map(async (client) => {
      await client.quit().catch(() => client.disconnect())
    }))
  }

  private async open (): Promise<void> {
    for (const client of [this.reader, this.subscriber]) {
      client.on('error', this.options.onError)
      client.on('close', () => {
        if (client === this.subscriber) this.subscriberId = undefined
        this.lose() // also ends a set-up in progress: its epoch is gone
      })
    }
    this.subscriber.on('messageBuffer', (channel: Buffer, keys: Buffer[] | null) => {
      if (channel.toString() === INVALIDATIONS) this.invalidate(keys)
    })
    await Promise.all([this.reader.connect(), this.subscriber.connect()])
    // The first time, failures are the boot's (e.g. a Redis older than 6 has no CLIENT TRACKING).
    await this.subscribe()
    await this.track()
    if (!this.tracking) throw new Error('Redis client-side caching could not be turned on (CLIENT TRACKING)')
    // Every later 'ready' is a reconnection: tracking is set up again before anything is cached again.
    for (const client of [this.reader, this.subscriber]) client.on('ready', () => { this.establish() })
    this.readerWatch.start()
    this.subscriberWatch.start()
  }

  /**
   * Sets tracking up again (subscribe if needed, then track), once at a time; a failure is counted and
   * retried with backoff, so a set-up that failed is never left for the next disconnection to repair.
   */
  private establish (): void {
    if (this.closed) return
    if (this.setup.running) {
      this.setup.again = true
      return
    }
    clearTimeout(this.setup.retry)
    this.setup.running = true
    this.setup.again = false
    const attempt = async () => {
      if (this.subscriberId === undefined && this.subscriber.status === 'ready') await this.subscribe()
      await this.track()
    }
    attempt().then(() => { this.setup.failures = 0 }, (error: unknown) => {
      this.stats.setupFailures++
      this.options.onError(error)
      const delayMs = Math.min(100 * 2 ** this.setup.failures++, 5000)
      this.setup.retry = setTimeout(() => { this.establish() }, delayMs).unref()
    }).finally(() => {
      this.setup.running = false
      if (this.setup.again) this.establish()
    })
  }

  /** Tracking on, and for our subscriber: a probe that fails otherwise (the reader is then reconnected). */
  private async checkReader (): Promise<void> {
    // Not connected proves nothing: the probe fails, so the reader's currentAsOf stays where it was (and
    // serve-cached's ceiling runs out even while the subscriber keeps answering).
    if (this.reader.status !== 'ready') throw new Error('the session reader is not connected')
    const info: unknown = await this.reader.call('CLIENT', 'TRACKINGINFO')
    if (!this.tracking) return // being set up: only the answer mattered
    const fields = Array.isArray(info) ? info : []
    const flags: unknown = fields[fields.indexOf('flags') + 1]
    const redirect: unknown = fields[fields.indexOf('redirect') + 1]
    if (!Array.isArray(flags) || !flags.includes('on') || String(redirect) !== this.subscriberId) {
      throw new Error('Redis no longer tracks the session reader for our invalidation connection')
    }
  }

  /** A connection that stopped answering (or a reader Redis stopped tracking): lost, and reconnected. */
  private drop (client: Redis, error: Error): void {
    if (this.closed || client.status !== 'ready') return // already closed or reconnecting: 'close' said so
    const which = client === this.reader ? 'session reader' : 'invalidation connection'
    this.options.onError(new Error(`the ${which} failed its check (${error.message}); reconnecting it`))
    if (client === this.subscriber) this.subscriberId = undefined
    this.lose()
    client.disconnect(true)
  }

  /** Learns the subscriber's client id (the redirect target), then subscribes: once per connection. */
  private async subscribe (): Promise<void> {
    const id = String(await this.subscriber.client('ID'))
    await this.subscriber.subscribe(INVALIDATIONS)
    this.subscriberId = id
  }

  /** Turns tracking on for the reader, redirected to the subscriber; runs at every (re)connection. */
  private async track (): Promise<void> {
    const id = this.subscriberId
    if (this.closed || this.reader.status !== 'ready' || id === undefined) return
    const attempt = ++this.epoch
    this.tracking = false
    const startedAt = Date.now()
    const options = this.mode === 'bcast' ? ['BCAST', 'PREFIX', this.keyPrefix + sessionKey('')] : []
    // OFF first: after a subscriber-only reconnection the reader is still tracking for the old id.
    await this.reader.client('TRACKING', 'OFF')
    await this.reader.client('TRACKING', 'ON', 'REDIRECT', id, ...options)
    // Lost again meanwhile: the next 'ready' retries.
    if (attempt !== this.epoch || this.closed || id !== this.subscriberId) return
    // Whatever was kept across the outage (serve-cached) was not tracked by these connections.
    this.flush()
    this.epoch++
    // Nothing cached now was read before tracking was on: both connections are current as of its start.
    this.readerWatch.reset(startedAt)
    this.subscriberWatch.reset(startedAt)
    this.tracking = true
    this.stats.trustChanges++
    this.options.onStateChange?.('tracking')
  }

  /** From this moment nothing held is trusted; with fail-closed it is dropped at once. */
  private lose (): void {
    const wasTracking = this.tracking
    this.epoch++
    this.tracking = false
    for (const flight of this.inFlight.values()) flight.invalidated = true
    this.inFlight.clear()
    if (this.options.whenStoreDown === 'fail-closed') this.flush()
    if (!wasTracking) return
    this.stats.trustChanges++
    this.options.onStateChange?.('lost')
  }

  private flush (): void {
    if (this.entries.size === 0) return
    this.entries.clear()
    this.stats.flushes++
  }

  /** An invalidation message: the keys that changed, or null when Redis dropped everything (FLUSHALL). */
  private invalidate (keys: Buffer[] | null): void {
    if (keys === null) {
      for (const flight of this.inFlight.values()) flight.invalidated = true
      this.inFlight.clear()
      this.flush()
      return
    }
    const prefix = this.keyPrefix + sessionKey('')
    for (const key of keys) {
      const name = key.toString()
      if (!name.startsWith(prefix)) continue
      const sessionId = name.slice(prefix.length)
      this.stats.invalidations++
      this.entries.delete(sessionId)
      const flight = this.inFlight.get(sessionId)
      if (flight !== undefined) {
        // A request arriving from now on must not share the answer of a read that left before the change.
        flight.invalidated = true
        this.inFlight.delete(sessionId)
      }
    }
  }

  /** One GET per session id at a time; its answer is kept only if nothing invalidated it on the way. */
  private async load (sessionId: string): Promise<SessionRecord | null> {
    const existing = this.inFlight.get(sessionId)
    if (existing !== undefined) return await existing.promise
    const epoch = this.epoch
    const trusted = this.tracking
    const flight: Flight = { invalidated: false, promise: Promise.resolve(null) }
    flight.promise = this.reader.get(sessionKey(sessionId)).then((json) => {
      if (this.inFlight.get(sessionId) === flight) this.inFlight.delete(sessionId)
      const record = parseRecord(json)
      if (record !== null && trusted && this.tracking && epoch === this.epoch && !flight.invalidated) {
        this.remember(sessionId, record)
      }
      return record
    }, (error: unknown) => {
      if (this.inFlight.get(sessionId) === flight) this.inFlight.delete(sessionId)
      throw error
    })
    this.inFlight.set(sessionId, flight)
    return await flight.promise
  }

  /**
   * Evicting a session here does not untrack it in Redis (there is no per-key untracking): its later
   * invalidation, if any, finds nothing to drop, which is harmless.
   */
  private remember (sessionId: string, record: SessionRecord): void {
    if (this.options.maxEntries === 0) return
    if (this.entries.size >= this.options.maxEntries && !this.entries.has(sessionId)) {
      const leastRecent = this.entries.keys().next().value
      if (leastRecent !== undefined) this.entries.delete(leastRecent)
    }
    this.entries.set(sessionId, { record, epoch: this.epoch })
  }

  /** serve-cached while untracked: keep the fallback as fresh as Redis last said (gone when it is gone). */
  private keepForOutage (sessionId: string, entry: Entry, record: SessionRecord | null): void {
    if (record === null) this.entries.delete(sessionId)
    else entry.record = record
  }

  /** The record if it is still within both deadlines; an expired one is dropped. */
  private live (sessionId: string, record: SessionRecord, now: number): SessionRecord | null {
    if (remainingMs(record, this.lifetimes, now) > 0) return record
    this.entries.delete(sessionId)
    return null
  }
}
