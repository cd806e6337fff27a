/** Which lane a password hash waits in: account owners proven by their device cookie, or everyone else. */
export type HashLane = 'owner' | 'anonymous'

/** Why a hash was not admitted: answered 503 `overloaded` with Retry-After, at once or at the wait bound. */
export class GateFull extends Error {
  constructor (reason: string) {
    super(`password hashing: ${reason}`)
    this.name = 'GateFull'
  }
}

export interface HashGateOptions {
  /** Hashes running at once (PASSWORD_HASH_CONCURRENCY): at most the libuv thread pool scrypt runs on. */
  concurrency: number
  /** Hashes waiting per lane (PASSWORD_HASH_QUEUE); beyond it `run` fails at once with GateFull. */
  queue: number
  /** The longest a hash waits for a slot (PASSWORD_HASH_MAX_WAIT_MS); then GateFull. */
  maxWaitMs: number
}

interface Waiting {
  holders: string[]
  admit: () => void
  timer: NodeJS.Timeout
}

/**
 * Admission control in front of every password hash. scrypt costs ~0.2 s and 16 MiB on one of libuv's few
 * threads, and libuv's own queue is unbounded: without a gate, a flood of registrations or wrong logins makes
 * every login wait behind it. Here at most `concurrency` hashes run and a short queue waits; beyond that, or
 * past `maxWaitMs` of waiting, the caller is told (503 `overloaded`, retry later) instead of joining an ever
 * longer line.
 *
 * Shared fairly: each login hash names its holder (an anonymous login its account, an owner's login its
 * device), and a holder has at most one hash running or waiting, so one account or one
 * device holds one place at most, however many requests it sends; the others are refused at once. Guesses
 * at an account from elsewhere never hold the place its owner's device logs in with. The owner lane (a login
 * with a valid device cookie for its account) has one running slot that anonymous work never takes (when
 * there are at least two) and its own queue; the two lanes are served in turn, so neither starves the other.
 */
export class HashGate {
  private readonly running: Record<HashLane, number> = { owner: 0, anonymous: 0 }
  private readonly waiting: Record<HashLane, Waiting[]> = { owner: [], anonymous: [] }
  /** Holders with a hash running or waiting. */
  private readonly busy = new Set<string>()
  private readonly reserved: number
  /** The lane served first at the next free slot: they alternate. */
  private turn: HashLane = 'owner'

  constructor (private readonly options: HashGateOptions) {
    this.reserved = options.concurrency >= 2 ? 1 : 0
  }

  get load (): { running: number, waiting: number } {
    return { running: this.total, waiting: this.waiting.owner.length + this.waiting.anonymous.length }
  }

  /** Runs `work` once admitted; `holders` (e.g. `account:<email>`, `device:<id>`) each hold one place at most. */
  async run<T> (lane: HashLane, holders: string[], work: () => Promise<T>): Promise<T> {
    if (holders.some((holder) => this.busy.has(holder))) throw new GateFull('one hash at a time per account and device')
    for (const holder of holders) this.busy.add(holder)
    try {
      await this.admit(lane, holders)
      try {
        return await work()
      } finally {
        this.running[lane]--
        this.next()
      }
    } finally {
      for (const holder of holders) this.busy.delete(holder)
    }
  }

  private get total (): number { return this.running.owner + this.running.anonymous }

  private canRun (lane: HashLane): boolean {
    if (this.total >= this.options.concurrency) return false
    return lane === 'owner' || this.running.anonymous < this.options.concurrency - this.reserved
  }

  private async admit (lane: HashLane, holders: string[]): Promise<void> {
    if (this.waiting[lane].length === 0 && this.canRun(lane)) {
      this.running[lane]++
      return
    }
    if (this.waiting[lane].length >= this.options.queue) throw new GateFull('the queue is full')
    await new Promise<void>((resolve, reject) => {
      const entry: Waiting = {
        holders,
        admit: () => { clearTimeout(entry.timer); resolve() },
        timer: setTimeout(() => {
          this.waiting[lane] = this.waiting[lane].filter((other) => other !== entry)
          reject(new GateFull(`no slot within ${this.options.maxWaitMs} ms`))
        }, this.options.maxWaitMs)
      }
      this.waiting[lane].push(entry)
    })
  }

  /** A slot is free: the lane whose turn it is goes first, then the other; each in arrival order. */
  private next (): void {
    const order: HashLane[] = this.turn === 'owner' ? ['owner', 'anonymous'] : ['anonymous', 'owner']
    for (const lane of order) {
      const entry = this.waiting[lane][0]
      if (entry === undefined || !this.canRun(lane)) continue
      this.waiting[lane].shift()
      this.running[lane]++
      this.turn = lane === 'owner' ? 'anonymous' : 'owner'
      entry.admit()
      return
    }
  }
}
