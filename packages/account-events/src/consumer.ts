import type { Cluster, Redis } from 'ioredis'
import { accountEventsKey, decodeEvent, type AccountEvent } from './events.js'

/** What became of one delivered entry. */
export type Outcome =
  /** Handled, then acknowledged. */
  | 'applied'
  /** Not a well-formed event: acknowledged at once, so it never blocks the entries behind it. */
  | 'poison'
  /** The handler threw: the entry stays pending and is retried once it has been idle `claimIdleMs`. */
  | 'failed'
  /** Delivered `maxDeliveries` times without success: acknowledged and logged, so it stops coming back. */
  | 'given-up'

export interface ConsumerLogger {
  warn: (details: object, message: string) => void
  error: (details: object, message: string) => void
}

export interface AccountEventConsumerOptions {
  /** The consumer group: one per service; its replicas share the work. */
  group: string
  /** This replica's name in the group (unique per process). */
  consumer: string
  /** Applies one event; must be idempotent (delivery is at least once). */
  handle: (event: AccountEvent) => Promise<void>
  /** How often the stream is read. */
  pollMs: number
  /** An entry pending this long (its consumer died, or its handler failed) is claimed and retried. */
  claimIdleMs: number
  maxDeliveries: number
  log: ConsumerLogger
  onOutcome?: (outcome: Outcome) => void
}

export interface Backlog {
  /** Entries appended that the group has not read yet; null when Redis cannot tell (the group fell behind a trim). */
  lag: number | null
  /** Entries read but not acknowledged yet. */
  pending: number
}

type Entry = [id: string, fields: string[]]
const BATCH = 100

/**
 * Reads the account event stream in a consumer group: at least once, acknowledged only after the handler has
 * done its work. It polls (XREADGROUP without BLOCK) on the service's own Redis client: a blocking read would
 * need a connection of its own and hold the shared, pipelined one. Entries another replica read and never
 * acknowledged (it died) are claimed once idle `claimIdleMs`, and so are this replica's own failures.
 */
export class AccountEventConsumer {
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> = Promise.resolve()
  private stopped = false
  private groupReady = false
  private lastClaim = 0
  private failing = false
  /** XGROUP and XINFO name their key after a subcommand, where ioredis does not add its key prefix: added here. */
  private readonly prefixedKey: string

  constructor (private readonly redis: Redis | Cluster, private readonly options: AccountEventConsumerOptions) {
    this.prefixedKey = `${redis.options.keyPrefix ?? ''}${accountEventsKey}`
  }

  /** Starts polling; the group is created on the first poll Redis answers (reading from the stream's start). */
  start (): void {
    const loop = (): void => {
      if (this.stopped) return
      this.running = this.poll().finally(() => {
        if (!this.stopped) this.timer = setTimeout(loop, this.options.pollMs)
      })
    }
    loop()
  }

  /** Stops after the poll under way; leaves the group if it holds nothing pending (else another replica claims it). */
  async stop (): Promise<void> {
    this.stopped = true
    clearTimeout(this.timer)
    await this.running
    const { group, consumer } = this.options
    try {
      const pending = await this.redis.xpending(accountEventsKey, group, '-', '+', 1, consumer) as unknown[]
      if (pending.length === 0) await this.redis.xgroup('DELCONSUMER', this.prefixedKey, group, consumer)
    } catch {
      // Redis unreachable: the consumer stays listed, with whatever it holds claimable by the others.
    }
  }

  async backlog (): Promise<Backlog> {
    const groups = await this.redis.xinfo('GROUPS', this.prefixedKey) as unknown[][]
    for (const entry of groups) {
      const info = pairs(entry)
      if (info.name !== this.options.group) continue
      const lag = info.lag === null || info.lag === undefined ? null : Number(info.lag)
      return { lag, pending: Number(info.pending ?? 0) }
    }
    return { lag: null, pending: 0 }
  }

  /** One round: claim what is due, then read new entries until none are left. */
  private async poll (): Promise<void> {
    try {
      if (!this.groupReady) await this.createGroup()
      if (Date.now() - this.lastClaim >= this.options.claimIdleMs / 2) {
        this.lastClaim = Date.now()
        await this.claimStale()
      }
      while (!this.stopped && await this.readNew() === BATCH);
      if (this.failing) this.options.log.warn({ group: this.options.group }, 'account events: reading again')
      this.failing = false
    } catch (error) {
      if (String(error).includes('NOGROUP')) this.groupReady = false // the stream was deleted: create it again
      if (!this.failing) this.options.log.warn({ err: error, group: this.options.group }, 'account events: cannot read the stream; retrying')
      this.failing = true
    }
  }

  private async createGroup (): Promise<void> {
    try {
      // From the start of the stream: a service's first start applies what is still kept (handlers are idempotent).
      await this.redis.xgroup('CREATE', this.prefixedKey, this.options.group, '0', 'MKSTREAM')
    } catch (error) {
      if (!String(error).includes('BUSYGROUP')) throw error
    }
    this.groupReady = true
  }

  private async readNew (): Promise<number> {
    const { group, consumer } = this.options
    const reply = await this.redis.xreadgroup(
      'GROUP', group, consumer, 'COUNT', BATCH, 'STREAMS', accountEventsKey, '>'
    ) as Array<[string, Entry[]]> | null
    const entries = reply?.[0]?.[1] ?? []
    for (const [id, fields] of entries) await this.apply(id, fields)
    return entries.length
  }

  private async claimStale (): Promise<void> {
    const { group, consumer, claimIdleMs, maxDeliveries, log } = this.options
    const stale = await this.redis.xpending(accountEventsKey, group, 'IDLE', claimIdleMs, '-', '+', BATCH) as Array<[string, string, number, number]>
    const retry: string[] = []
    for (const [id, owner, , deliveries] of stale) {
      if (deliveries < maxDeliveries) { retry.push(id); continue }
      log.error({ id, owner, deliveries }, 'account events: giving up on an entry that keeps failing')
      await this.redis.xack(accountEventsKey, group, id)
      this.options.onOutcome?.('given-up')
    }
    if (retry.length === 0) return
    // XCLAIM with the idle time again: when two replicas race for an entry, only one gets it.
    const claimed = await this.redis.xclaim(
      accountEventsKey, group, consumer, claimIdleMs, ...retry
    ) as Array<Entry | null>
    const found = new Set<string>()
    for (const entry of claimed) {
      if (entry === null) continue
      found.add(entry[0])
      await this.apply(entry[0], entry[1])
    }
    // Trimmed away while pending: nothing left to apply.
    const gone = retry.filter((id) => !found.has(id))
    if (gone.length > 0) await this.redis.xack(accountEventsKey, group, ...gone)
  }

  private async apply (id: string, fields: string[]): Promise<void> {
    const { group, handle, log, onOutcome } = this.options
    const event = decodeEvent(fields)
    if (event === null) {
      log.warn({ id }, 'account events: not an account event; acknowledged and skipped')
      await this.redis.xack(accountEventsKey, group, id)
      onOutcome?.('poison')
      return
    }
    try {
      await handle(event)
    } catch (error) {
      log.warn({ err: error, id, type: event.type }, 'account events: handling failed; retried once idle')
      onOutcome?.('failed')
      return
    }
    await this.redis.xack(accountEventsKey, group, id)
    onOutcome?.('applied')
  }
}

/** A flat [name, value, name, value, …] reply as an object. */
function pairs (flat: unknown[]): Record<string, unknown> {
  const result: Record<string, unknown> = {}
  for (let i = 0; i + 1 < flat.length; i += 2) result[String(flat[i])] = flat[i + 1]
  return result
}
