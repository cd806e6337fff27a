/** Which lane a password hash waits in: account owners proven by their device cookie, or everyone else. */
export type HashLane = 'owner' | 'anonymous'

export class GateFull extends Error {
  constructor () {
    super('password hashing is at capacity')
    this.name = 'GateFull'
  }
}

export interface HashGateOptions {
  /** Hashes running at once (PASSWORD_HASH_CONCURRENCY): at most the libuv thread pool scrypt runs on. */
  concurrency: number
  /** Hashes waiting per lane (PASSWORD_HASH_QUEUE); beyond it `run` fails at once with GateFull. */
  queue: number
}

/**
 * Admission control in front of every password hash. scrypt costs ~0.2 s and 16 MiB on one of libuv's few
 * threads, and libuv's own queue is unbounded: without a gate, a flood of registrations or wrong logins makes
 * every login wait behind it. Here at most `concurrency` hashes run and a short queue waits; beyond that the
 * caller is told at once (503 `overloaded`, retry later) instead of joining an ever longer line.
 *
 * The owner lane (a login with a valid device cookie for its account) has one running slot that anonymous
 * work never takes (when there are at least two), its own queue, and is served first: a flood from
 * elsewhere cannot starve the people whose accounts these are.
 */
export class HashGate {
  private running = 0
  private readonly waiting: Record<HashLane, Array<() => void>> = { owner: [], anonymous: [] }
  private readonly reserved: number

  constructor (private readonly options: HashGateOptions) {
    this.reserved = options.concurrency >= 2 ? 1 : 0
  }

  get load (): { running: number, waiting: number } {
    return { running: this.running, waiting: this.waiting.owner.length + this.waiting.anonymous.length }
  }

  async run<T> (lane: HashLane, work: () => Promise<T>): Promise<T> {
    await this.admit(lane)
    try {
      return await work()
    } finally {
      this.running--
      this.next()
    }
  }

  private limitFor (lane: HashLane): number {
    return lane === 'owner' ? this.options.concurrency : this.options.concurrency - this.reserved
  }

  private async admit (lane: HashLane): Promise<void> {
    if (this.running < this.limitFor(lane) && this.waiting[lane].length === 0) {
      this.running++
      return
    }
    if (this.waiting[lane].length >= this.options.queue) throw new GateFull()
    await new Promise<void>((resolve) => this.waiting[lane].push(resolve))
  }

  private next (): void {
    for (const lane of ['owner', 'anonymous'] as const) {
      if (this.waiting[lane].length > 0 && this.running < this.limitFor(lane)) {
        this.running++
        this.waiting[lane].shift()?.()
        return
      }
    }
  }
}
