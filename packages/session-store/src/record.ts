/**
 * What one logged-in session holds in Redis, as JSON under `sess:<sid>`. The auth service writes it;
 * the profile service reads it. Times are epoch milliseconds.
 */
export interface SessionRecord {
  userId: string
  email: string
  name: string
  /** Public handle shown by GET /v1/sessions and used to revoke one session; never the session id itself. */
  handle: string
  csrfToken: string
  createdAt: number
  lastSeenAt: number
  userAgent: string
  ip: string
}

/** A session's key. Nothing here needs a multi-key command, so sessions work unchanged on Redis Cluster. */
export const sessionKey = (sessionId: string) => `sess:${sessionId}`

export function parseRecord (json: string | null): SessionRecord | null {
  if (json === null) return null
  let value: unknown
  try { value = JSON.parse(json) } catch { return null }
  if (typeof value !== 'object' || value === null) return null
  // Each field by name, not in a loop over their names: on every session read, property loads the engine
  // can specialise cost a fraction of keyed ones.
  const record = value as { [field in keyof SessionRecord]?: unknown }
  const valid = typeof record.userId === 'string' && typeof record.email === 'string' && typeof record.name === 'string' &&
    typeof record.handle === 'string' && typeof record.csrfToken === 'string' && typeof record.userAgent === 'string' &&
    typeof record.ip === 'string' && typeof record.createdAt === 'number' && typeof record.lastSeenAt === 'number'
  return valid ? value as SessionRecord : null
}

export function serializeRecord (record: SessionRecord): string {
  const { userId, email, name, handle, csrfToken, createdAt, lastSeenAt, userAgent, ip } = record
  return JSON.stringify({ userId, email, name, handle, csrfToken, createdAt, lastSeenAt, userAgent, ip })
}
