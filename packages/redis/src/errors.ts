import createError from '@fastify/error'

/** Thrown where our code meets an unreachable, paused or failing-over Redis; answered as 503. */
export const StoreUnavailableError = createError('STORE_UNAVAILABLE', 'The session and token store is unavailable; try again shortly', 503)

// What ioredis says when Redis cannot be reached in time. These errors carry no stable class or code,
// so they are recognised by message here, in one place, and nowhere else.
const UNAVAILABLE_MESSAGES = [
  "Stream isn't writeable",
  'Command timed out',
  'Connection is closed',
  "Cluster isn't ready",
  'Failed to refresh slots cache',
  'None of startup nodes is available',
  'All sentinels are unreachable'
]
// Redis replies that mean "not serving (or not storing) right now", not "your command is wrong": a replica
// during a failover (READONLY), a full memory (OOM), a failed disk (MISCONF), missing replicas (NOREPLICAS).
const UNAVAILABLE_REPLIES = /^(LOADING|READONLY|CLUSTERDOWN|MASTERDOWN|TRYAGAIN|BUSY|OOM|MISCONF|NOREPLICAS)\b/
const UNAVAILABLE_NAMES = new Set(['MaxRetriesPerRequestError', 'ClusterAllFailedError'])
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH'])

/** True when `error` (or its cause) means the store is unreachable rather than that a request was wrong. */
export function isStoreUnavailable (error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    if (e instanceof StoreUnavailableError) return true
    if (UNAVAILABLE_NAMES.has(e.name)) return true
    if (e.name === 'ReplyError' && UNAVAILABLE_REPLIES.test(e.message)) return true
    // A MULTI discarded because a queued command was refused: unavailable when that refusal was (OOM…).
    if (e.name === 'ReplyError' && e.message.startsWith('EXECABORT')) {
      const previous = (e as { previousErrors?: unknown }).previousErrors
      if (Array.isArray(previous) && previous.some((cause) => isStoreUnavailable(cause))) return true
    }
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true
    if (UNAVAILABLE_MESSAGES.some((m) => e instanceof Error && e.message.includes(m))) return true
  }
  return false
}
