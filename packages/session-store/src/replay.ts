import { serializeRecord, sessionKey, type SessionRecord } from './record.js'

/**
 * The commands this package sends for one session, for tools that drive Redis directly to measure it
 * (load-compare's fan-out and Redis-ceiling scenarios): they replay the real keys and record format, and
 * no other package spells them. Keys are without the client's prefix, as ioredis takes them.
 */
export const sessionCommands = {
  /** What a session request reads. */
  read: (sessionId: string): string[] => ['GET', sessionKey(sessionId)],
  /** A login's write of a new session, or with `existing` a touch of one (SET … XX). */
  write: (sessionId: string, record: SessionRecord, ttlMs: number, existing = false): string[] =>
    ['SET', sessionKey(sessionId), serializeRecord(record), 'PX', String(ttlMs), ...existing ? ['XX'] : []],
  /** The pattern that matches every session key (SCAN … MATCH), after the client's prefix. */
  pattern: sessionKey('*')
}

/** A well-formed session record of `userId`, as a login writes it: for seeding load tests. */
export function sampleRecord (userId: string, now = Date.now()): SessionRecord {
  return {
    userId,
    email: `${userId}@example.com`,
    name: 'Load Test',
    handle: `h-${userId}`,
    csrfToken: `csrf-${userId}`,
    createdAt: now,
    lastSeenAt: now,
    userAgent: 'load-compare',
    ip: '127.0.0.1'
  }
}
