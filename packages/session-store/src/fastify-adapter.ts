import type { SessionRecord } from './record.js'
import type { SessionStore } from './store.js'

type Callback = (error?: unknown) => void

function isAuthenticated (session: object): session is SessionRecord {
  return typeof (session as Partial<SessionRecord>).userId === 'string'
}

/**
 * The get/set/destroy callback contract @fastify/session expects, over SessionStore. Only logged-in
 * sessions are persisted: an anonymous session costs nothing in Redis.
 */
export function fastifySessionStore (store: SessionStore) {
  return {
    // @fastify/session types the record as its Session class; it only copies the fields over.
    get (sessionId: string, callback: (error: unknown, session?: never) => void): void {
      store.read(sessionId).then((record) => callback(null, record as never), (error: unknown) => callback(error))
    },
    set (sessionId: string, session: object, callback: Callback): void {
      if (!isAuthenticated(session)) { callback(); return }
      store.save(sessionId, session).then(() => callback(), callback)
    },
    destroy (sessionId: string, callback: Callback): void {
      store.destroy(sessionId).then(() => callback(), callback)
    }
  }
}
