import type { Cluster, Redis } from 'ioredis'

// PEXPIRE ... GT treats a key without a TTL as immortal and would leave a fresh index without one;
// this sets the TTL when there is none or when it lengthens it, never shortens it.
const EXTEND_EXPIRY = `
local current = redis.call('PTTL', KEYS[1])
if current == -2 then return 0 end
if current == -1 or current < tonumber(ARGV[1]) then return redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return 0`

// Writes a member's record and its index field in one step. KEYS: index, record (one slot: the user's hash
// tag). ARGV: field, index ttl ms, record ttl ms, then the record's field/value pairs.
const ADD_WITH_RECORD = `
redis.call('HSET', KEYS[2], unpack(ARGV, 4))
redis.call('PEXPIRE', KEYS[2], ARGV[3])
redis.call('HSET', KEYS[1], ARGV[1], '1')
local current = redis.call('PTTL', KEYS[1])
if current == -1 or current < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1`

// Lists and removes every field of one kind in one step, so nothing added meanwhile is dropped unseen.
const TAKE_FIELDS = `
local taken = {}
for _, field in ipairs(redis.call('HKEYS', KEYS[1])) do
  if string.sub(field, 1, #ARGV[1]) == ARGV[1] then taken[#taken + 1] = field end
end
if #taken > 0 then redis.call('HDEL', KEYS[1], unpack(taken)) end
return taken`

const SESSION = 's:'
const FAMILY = 'f:'

/** The user's index: a script that must see it with other keys of the user names it in its KEYS. */
export const indexKey = (userId: string): string => `user:{${userId}}:index`
/** The index field that marks a refresh-token family; present while the family may still be used. */
export const familyField = (family: string): string => `${FAMILY}${family}`
/** A key in the user's slot, for a record that a script must read together with the index. */
export const userKey = (userId: string, suffix: string): string => `user:{${userId}}:${suffix}`

/**
 * What each user has logged in with: a hash in one slot (hash tag on the user id) whose fields `s:<handle>`
 * map a session's public handle to its session id, and whose fields `f:<family>` mark refresh-token
 * families. It lets list, revoke one and log out everywhere be exact. The index must outlive the longest
 * of its members, so adding one only ever lengthens its TTL.
 */
export class UserIndex {
  constructor (private readonly redis: Redis | Cluster) {}

  async addSession (userId: string, handle: string, sessionId: string, ttlMs: number): Promise<void> {
    await this.redis.hset(indexKey(userId), `${SESSION}${handle}`, sessionId)
    await this.extend(userId, ttlMs)
  }

  async sessionIdOf (userId: string, handle: string): Promise<string | null> {
    return await this.redis.hget(indexKey(userId), `${SESSION}${handle}`)
  }

  /** The user's indexed sessions as [handle, session id], live or not yet pruned. */
  async sessions (userId: string): Promise<Array<[string, string]>> {
    return Object.entries(await this.redis.hgetall(indexKey(userId)))
      .filter(([field]) => field.startsWith(SESSION))
      .map(([field, sessionId]) => [field.slice(SESSION.length), sessionId])
  }

  async dropSessions (userId: string, handles: string[]): Promise<void> {
    if (handles.length === 0) return
    await this.redis.hdel(indexKey(userId), ...handles.map((handle) => `${SESSION}${handle}`))
  }

  /**
   * Lists a member under `field` and writes its record (a hash under `record.key`, in the user's slot: see
   * `userKey`) in one atomic step, so a log out everywhere sees either both or neither: never a listed member
   * without its record, nor a record it cannot reach.
   */
  async addWithRecord (
    userId: string, field: string, record: { key: string, fields: Record<string, string>, ttlMs: number }
  ): Promise<void> {
    await this.redis.eval(ADD_WITH_RECORD, 2, indexKey(userId), record.key,
      field, record.ttlMs, record.ttlMs, ...Object.entries(record.fields).flat())
  }

  async dropField (userId: string, field: string): Promise<void> {
    await this.redis.hdel(indexKey(userId), field)
  }

  async families (userId: string): Promise<string[]> {
    return (await this.redis.hkeys(indexKey(userId)))
      .filter((field) => field.startsWith(FAMILY)).map((field) => field.slice(FAMILY.length))
  }

  /** Removes every family from the index and returns them, atomically (log out everywhere). */
  async takeFamilies (userId: string): Promise<string[]> {
    const fields = await this.redis.eval(TAKE_FIELDS, 1, indexKey(userId), FAMILY) as string[]
    return fields.map((field) => field.slice(FAMILY.length))
  }

  /** Makes the index live at least `ttlMs` more. */
  async extend (userId: string, ttlMs: number): Promise<void> {
    await this.redis.eval(EXTEND_EXPIRY, 1, indexKey(userId), ttlMs)
  }
}
