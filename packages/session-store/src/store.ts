import type { Cluster, Redis } from 'ioredis'
import { parseRecord, serializeRecord, sessionKey, type SessionRecord } from './record.js'
import { UserIndex } from './user-index.js'

export interface SessionLifetimes {
  /** A session unused this long ends (sliding). */
  idleTtlMs: number
  /** A session ends this long after login, however busy. */
  absoluteTtlMs: number
  /** Activity is written back at most this often, so reads stay one round trip. Default: idle / 10, at most 60 s. */
  touchIntervalMs?: number
}

/** Milliseconds a session may still live, from whichever of its two deadlines comes first. */
export function remainingMs (record: SessionRecord, lifetimes: SessionLifetimes, now = Date.now()): number {
  return Math.min(record.lastSeenAt + lifetimes.idleTtlMs, record.createdAt + lifetimes.absoluteTtlMs) - now
}

export interface SessionListing {
  sessionId: string
  record: SessionRecord
}

/**
 * Sessions in Redis, with idle and absolute expiry enforced on every read (Redis TTLs alone would let a
 * busy session live for ever), and a per-user index that makes list / revoke one / revoke all exact.
 */
export class SessionStore {
  readonly touchIntervalMs: number
  readonly index: UserIndex

  constructor (private readonly redis: Redis | Cluster, readonly lifetimes: SessionLifetimes) {
    this.index = new UserIndex(redis)
    this.touchIntervalMs = lifetimes.touchIntervalMs ?? Math.min(60_000, Math.floor(lifetimes.idleTtlMs / 10))
  }

  /** Milliseconds this session may still live, from whichever of the two deadlines comes first. */
  remainingMs (record: SessionRecord, now = Date.now()): number {
    return remainingMs(record, this.lifetimes, now)
  }

  absoluteDeadline (record: SessionRecord): number {
    return record.createdAt + this.lifetimes.absoluteTtlMs
  }

  isTouchDue (record: SessionRecord, now = Date.now()): boolean {
    return now - record.lastSeenAt >= this.touchIntervalMs
  }

  /** The live session for this id, or null: one GET. */
  async read (sessionId: string, now = Date.now()): Promise<SessionRecord | null> {
    const record = parseRecord(await this.redis.get(sessionKey(sessionId)))
    if (record === null || this.remainingMs(record, now) <= 0) return null
    return record
  }

  /**
   * Writes a session. A new one (never touched: lastSeenAt === createdAt) is indexed under its user;
   * an existing one is only rewritten if it still exists (SET XX), so a request finishing after a
   * logout can never bring the session back.
   *
   * A new session is written before its index entry: whoever reads the index (list, log out
   * everywhere) then never finds an entry whose session is not there yet, and so never drops an entry
   * that is about to come alive. A login racing a log out everywhere either is revoked or survives
   * listed, never unlisted. (One transaction would need both keys in one Cluster slot.)
   */
  async save (sessionId: string, record: SessionRecord, now = Date.now()): Promise<void> {
    const ttl = this.remainingMs(record, now)
    if (ttl <= 0) return await this.destroy(sessionId)
    const value = serializeRecord(record)
    if (record.lastSeenAt !== record.createdAt) {
      await this.redis.set(sessionKey(sessionId), value, 'PX', ttl, 'XX')
      return
    }
    await this.redis.set(sessionKey(sessionId), value, 'PX', ttl)
    await this.index.addSession(record.userId, record.handle, sessionId, this.lifetimes.absoluteTtlMs)
  }

  /** Records activity: slides the idle deadline. Callers do this at most once per touch interval. */
  async touch (sessionId: string, record: SessionRecord, now = Date.now()): Promise<void> {
    await this.save(sessionId, { ...record, lastSeenAt: Math.max(now, record.createdAt + 1) }, now)
  }

  /** Ends one session by id; a no-op for an unknown id. */
  async destroy (sessionId: string): Promise<void> {
    const record = parseRecord(await this.redis.getdel(sessionKey(sessionId)))
    if (record !== null) await this.index.dropSessions(record.userId, [record.handle])
  }

  /** The user's live sessions; index entries whose session has expired are pruned on the way. */
  async list (userId: string, now = Date.now()): Promise<SessionListing[]> {
    const entries = await this.index.sessions(userId)
    const records = await Promise.all(entries.map(([, sessionId]) => this.read(sessionId, now)))
    const live: SessionListing[] = []
    const stale: string[] = []
    entries.forEach(([handle, sessionId], i) => {
      const record = records[i]
      if (record == null || record.userId !== userId) stale.push(handle)
      else live.push({ sessionId, record })
    })
    await this.index.dropSessions(userId, stale)
    return live.sort((a, b) => a.record.createdAt - b.record.createdAt)
  }

  /** Ends the user's session with this public handle; false when the user has no such session. */
  async revoke (userId: string, handle: string): Promise<boolean> {
    const sessionId = await this.index.sessionIdOf(userId, handle)
    if (sessionId === null) return false
    const existed = await this.redis.del(sessionKey(sessionId))
    await this.index.dropSessions(userId, [handle])
    return existed === 1
  }

  /** Ends every session of the user; returns how many were live. */
  async revokeAll (userId: string): Promise<number> {
    const entries = await this.index.sessions(userId)
    if (entries.length === 0) return 0
    const deleted = await Promise.all(entries.map(([, sessionId]) => this.redis.del(sessionKey(sessionId))))
    await this.index.dropSessions(userId, entries.map(([handle]) => handle))
    return deleted.reduce((sum, n) => sum + n, 0)
  }
}
