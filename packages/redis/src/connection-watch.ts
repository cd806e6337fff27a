export interface ConnectionWatchOptions {
  /** How often a probe is sent. */
  intervalMs: number
  /** A probe not answered within this long means the connection went silent. */
  deadlineMs: number
  /**
   * The connection went silent, or a probe failed (its error): the owner stops trusting what arrived over
   * it and reconnects it. Called once per probe.
   */
  onLost: (error: Error) => void
}

/**
 * Proof, renewed by round trips, that a connection still delivers. A connection that goes silent (a
 * half-open TCP connection, a NAT or load balancer that forgot the flow) raises no error and delivers
 * nothing; only an unanswered command tells. Redis answers in order, so the answer to a probe sent at
 * time s proves that everything Redis sent on this connection before it read the probe has arrived:
 * what the connection carries is known to be current as of s (`currentAsOf`).
 */
export class ConnectionWatch {
  private answeredSentAt = Number.NEGATIVE_INFINITY
  private timer: NodeJS.Timeout | undefined
  private pending: { sentAt: number, generation: number } | undefined
  /** Moves at every `reset`: the answer of a probe sent before it proves nothing about the new connection. */
  private generation = 0

  constructor (private readonly probe: () => Promise<void>, private readonly options: ConnectionWatchOptions) {}

  /** Epoch ms up to which the connection is known to have delivered everything (-Infinity: never proven). */
  get currentAsOf (): number { return this.answeredSentAt }

  start (): void {
    this.timer ??= setInterval(() => { this.tick() }, this.options.intervalMs).unref()
  }

  stop (): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  /**
   * A new connection (or one just set up again): nothing is proven for it until `provenAt`, a time at
   * which a round trip on it was sent and answered (e.g. its SUBSCRIBE), or until its first probe answers.
   */
  reset (provenAt = Number.NEGATIVE_INFINITY): void {
    this.generation++
    this.pending = undefined
    this.answeredSentAt = provenAt
  }

  private tick (): void {
    const now = Date.now()
    if (this.pending !== undefined) {
      if (now - this.pending.sentAt < this.options.deadlineMs) return
      this.pending = undefined
      this.options.onLost(new Error(`no answer within ${this.options.deadlineMs} ms: the connection went silent`))
      return
    }
    const sent = { sentAt: now, generation: this.generation }
    this.pending = sent
    this.probe().then(() => {
      if (sent.generation !== this.generation) return
      if (this.pending === sent) this.pending = undefined
      this.answeredSentAt = Math.max(this.answeredSentAt, sent.sentAt)
    }, (error: unknown) => {
      if (sent.generation !== this.generation || this.pending !== sent) return
      this.pending = undefined
      this.options.onLost(error instanceof Error ? error : new Error(String(error)))
    })
  }
}

/**
 * The probe interval and reply deadline for a staleness bound: a probe every fifth of it, lost after two
 * fifths unanswered, so a silent connection is declared lost (and reconnected) by 4/5 of the bound even
 * when the timer that notices fires one interval late. The bound itself is enforced by `currentAsOf`.
 */
export function watchTimings (boundMs: number): { intervalMs: number, deadlineMs: number } {
  return { intervalMs: Math.max(10, Math.floor(boundMs / 5)), deadlineMs: Math.max(20, Math.floor(2 * boundMs / 5)) }
}
