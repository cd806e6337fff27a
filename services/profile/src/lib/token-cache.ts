/**
 * Exact-match cache of verified tokens: the token string is the key (V8 hashes it once per lookup, far
 * cheaper than fast-jwt's SHA-based cache key or an RSA verify). Bounded, oldest evicted first, and an
 * entry is never used at or past its token's `exp`.
 */
export class VerifiedTokenCache<T> {
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

  set (token: string, value: T, expiresAtMs: number): void {
    if (this.maxEntries === 0) return
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value
      if (oldest !== undefined) this.entries.delete(oldest)
    }
    this.entries.set(token, { value, expiresAtMs })
  }
}
