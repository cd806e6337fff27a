import { Signer } from '@fastify/cookie'
import { ExpiringCache } from './expiring-cache.js'
import type { SessionRecord } from './record.js'
import type { SessionStore } from './store.js'
import type { TrackingSessionCache } from './tracking-cache.js'

/**
 * The session cookie's name, the same in the service that sets it and in every service that reads it:
 * `__Host-sid` whenever it is Secure (the browser then refuses it from plain HTTP, from a subdomain, or with
 * a Domain or a Path other than /), `sid` on plain-HTTP development stacks, where `__Host-` cannot be set.
 */
export function sessionCookieName (secure: boolean): string {
  return secure ? '__Host-sid' : 'sid'
}

export type SessionLookup =
  | { outcome: 'live', sessionId: string, record: SessionRecord }
  /** The cookie's signature is not ours: forged or tampered with. */
  | { outcome: 'forged' }
  /** Signed by us, but the session expired or was logged out. */
  | { outcome: 'ended' }

export interface SessionReaderOptions {
  /** The cookie-signing secret @fastify/session signs the cookie with. */
  secret: string
  /** Whether the cookie is Secure, which decides its name (`sessionCookieName`). */
  secure: boolean
  /** Verified signatures kept (0: none), and sessions remembered as just touched. */
  signatureCacheSize: number
  /** SESSION_CACHE=tracking: reads served from memory, kept correct by Redis's invalidations. */
  cache?: TrackingSessionCache
}

/**
 * The cookie-to-session path of a service that reads sessions without @fastify/session: unsign the
 * cookie, read the record (one GET, expiry enforced by the store) and write activity back at most once
 * per touch interval, as the auth service's @fastify/session does through the same store.
 */
export class SessionReader {
  private readonly signer: Signer
  /** The cookie to read the session from. */
  readonly cookieName: string
  // A signature never stops being valid; the session's life is checked in Redis on every read, so an
  // entry only needs to outlive the longest possible session.
  private readonly signatures: ExpiringCache<string>
  // Sessions this process sent a touch for, until the next one is due: concurrent requests (and cached
  // reads, which see the old lastSeenAt until the touch's invalidation lands) send one touch, not many.
  private readonly touched: ExpiringCache<true>
  private readonly cache: TrackingSessionCache | undefined

  constructor (readonly store: SessionStore, { secret, secure, signatureCacheSize, cache }: SessionReaderOptions) {
    this.signer = new Signer(secret)
    this.cookieName = sessionCookieName(secure)
    this.signatures = new ExpiringCache<string>(signatureCacheSize)
    this.touched = new ExpiringCache<true>(signatureCacheSize)
    this.cache = cache
  }

  /** The session id a signed cookie carries, or null when the signature is not ours. */
  sessionIdOf (signedCookie: string, now = Date.now()): string | null {
    const cached = this.signatures.get(signedCookie, now)
    if (cached !== undefined) return cached
    const unsigned = this.signer.unsign(signedCookie)
    if (!unsigned.valid || unsigned.value === null) return null
    this.signatures.set(signedCookie, unsigned.value, now + this.store.lifetimes.absoluteTtlMs)
    return unsigned.value
  }

  async read (signedCookie: string, now = Date.now()): Promise<SessionLookup> {
    const sessionId = this.sessionIdOf(signedCookie, now)
    if (sessionId === null) return { outcome: 'forged' }
    const record = await (this.cache ?? this.store).read(sessionId, now)
    return record === null ? { outcome: 'ended' } : { outcome: 'live', sessionId, record }
  }

  /** Slides the idle deadline when a touch is due; off the request path, failures go to `onError`. */
  touchIfDue (sessionId: string, record: SessionRecord, onError: (error: unknown) => void, now = Date.now()): void {
    if (!this.store.isTouchDue(record, now) || this.touched.get(sessionId, now) !== undefined) return
    this.touched.set(sessionId, true, now + this.store.touchIntervalMs)
    this.store.touch(sessionId, record, now).catch(onError)
  }
}
