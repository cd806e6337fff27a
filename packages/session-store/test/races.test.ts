import t from 'tap'
import { randomUUID } from 'node:crypto'
import { setImmediate as tick } from 'node:timers/promises'
import { Redis } from 'ioredis'
import { deletePrefix, SHARED_REDIS_URL, uniquePrefix } from '@authpair/testing'
import { SessionStore, type SessionRecord } from '../src/index.js'

const prefix = uniquePrefix('races')
const redis = new Redis(SHARED_REDIS_URL, { keyPrefix: prefix })
t.teardown(async () => {
  await redis.quit()
  await deletePrefix(SHARED_REDIS_URL, prefix)
})
const store = new SessionStore(redis, { idleTtlMs: 60_000, absoluteTtlMs: 600_000 })

function newRecord (userId: string): SessionRecord {
  const now = Date.now()
  return { userId, email: 'a@example.com', name: 'A', handle: randomUUID(), csrfToken: 'c', createdAt: now, lastSeenAt: now, userAgent: 'ua', ip: '127.0.0.1' }
}

async function after (ticks: number, work: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < ticks; i++) await tick()
  await work()
}

/**
 * A login (save of a new session) racing log out everywhere (revokeAll) and a listing (list), started
 * a few event-loop turns apart in every combination. Whatever the interleaving, a session that is alive
 * afterwards must be in its user's index: otherwise no later log out everywhere could reach it.
 */
t.test('a login racing log out everywhere and a listing never leaves a live session out of the index', async (t) => {
  let survivors = 0
  let rounds = 0
  for (let login = 0; login < 4; login++) {
    for (let logout = 0; logout < 4; logout++) {
      for (let listing = 0; listing < 4; listing++) {
        const userId = randomUUID()
        await store.save(`old-${userId}`, newRecord(userId))
        const sessionId = `new-${userId}`
        await Promise.all([
          after(login, async () => await store.save(sessionId, newRecord(userId))),
          after(logout, async () => await store.revokeAll(userId)),
          after(listing, async () => await store.list(userId))
        ])
        rounds++
        t.equal(await store.read(`old-${userId}`), null, 'the session that logged out everywhere is gone')
        if (await store.read(sessionId) === null) continue
        survivors++
        const listed = (await store.list(userId)).map((entry) => entry.sessionId)
        t.ok(listed.includes(sessionId), `round ${rounds} (turns ${login}/${logout}/${listing}): the surviving login is listed`)
        await store.revokeAll(userId)
        t.equal(await store.read(sessionId), null, 'and a second log out everywhere ends it')
      }
    }
  }
  t.ok(survivors > 0 && survivors < rounds, `both outcomes happened: ${survivors} of ${rounds} logins survived`)
})
