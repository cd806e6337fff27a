import { randomUUID } from 'node:crypto'
import type { SessionRecord } from '../src/index.js'

/** A session record as the auth service writes it at login (lastSeenAt === createdAt). */
export function sessionRecord (userId: string, now: number, overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    userId,
    email: 'a@example.com',
    name: 'A',
    handle: randomUUID(),
    csrfToken: 'c',
    createdAt: now,
    lastSeenAt: now,
    userAgent: 'ua',
    ip: '127.0.0.1',
    ...overrides
  }
}
