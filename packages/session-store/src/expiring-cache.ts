/**
 * Exact-match cache of values proven by an expensive check (a cookie signature, a token's RSA
 * signature): the credential string is the key, which V8 hashes once per lookup, far cheaper than the
 * check itself. Bounded, oldest evicted first, and an entry is never used at or past its expiry.
 */
export class ExpiringCache<T> {
  private readonly entries = new Map<string, { value: T, expiresAtMs: number }>()

  constructor (private readonly maxEntries: number) {}

  get (token: string, now = Date.now()): T | undefined {
    const entry = this.entries.get(token)
    if (entry === undefined) return undefined
    if (entry.expiresAtMs <= now) {
      this.entries.delete(token)
      return undefined
    }
    return entry.value
  }

  /** Drops every entry whose value matches (e.g. everything a removed key verified). */
  deleteWhere (matches: (value: T) => boolean): void {
    for (const [key, entry] of this.entries) if (matches(entry.value)) this.entries.delete(key)
  }

  set (token: string, value: T, expiresAtMs: number): void {
    if (this.maxEntries === 0) return
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value
      if (oldest !== undefined) this.entries.delete(oldest)
    }
    this.entries.set(token, { value, expiresAtMs })
  }
}
