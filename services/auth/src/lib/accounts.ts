import type { FastifyInstance } from 'fastify'

/**
 * An account as stored: a hash in the user's slot (`user:{<id>}:account`), beside the user's index and
 * revocations, found by email through `user:email:<email>` (the id). `generation` counts credential changes
 * (password change, deletion): a login remembers the generation it checked the password against, and gives
 * up what it created if the generation moved meanwhile (see users.ts).
 */
export interface Account {
  id: string
  email: string
  name: string
  passwordHash: string
  createdAt: string
  generation: number
}

export const accountKey = (userId: string) => `user:{${userId}}:account`
export const emailKey = (email: string) => `user:email:${email}`

// Sets a field only while the password hash is still the one the caller checked. KEYS: account.
// ARGV: expected hash, new hash, generation increment (0 for a rehash of the same password).
// Returns the new generation, or -1 when the hash changed (or the account went) meanwhile.
const REPLACE_HASH = `
if redis.call('HGET', KEYS[1], 'passwordHash') ~= ARGV[1] then return -1 end
redis.call('HSET', KEYS[1], 'passwordHash', ARGV[2])
return redis.call('HINCRBY', KEYS[1], 'generation', ARGV[3])`

// Deletes the account only while its password hash is the one the caller checked. KEYS: account. ARGV: hash.
const DELETE_IF_HASH = `
if redis.call('HGET', KEYS[1], 'passwordHash') ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])`

// Moves an account stored the old way (JSON under its email) unless it was moved already. KEYS: account.
// ARGV: the fields.
const MOVE_LEGACY = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1`

// Deletes a key only while it holds the value given. KEYS: key. ARGV: value.
const DELETE_IF_VALUE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])`

/**
 * The accounts' keys, and the only code that writes them. Every step that needs two keys orders them so that
 * a crash between the two leaves nothing a user could trip over: registration writes the account before its
 * email entry (an entry never points at an account still to come), deletion removes the account before the
 * entry (an entry left pointing at no account is stale, and the next registration of the email clears it).
 */
export class AccountStore {
  constructor (private readonly redis: FastifyInstance['redis']) {}

  /** The account registered under this (normalised) email, or null. */
  async byEmail (email: string): Promise<Account | null> {
    const id = await this.idOf(email)
    return id === null ? null : await this.byId(id)
  }

  async byId (userId: string): Promise<Account | null> {
    const stored = await this.redis.hgetall(accountKey(userId))
    if (stored.passwordHash === undefined) return null
    return {
      id: userId,
      email: stored.email ?? '',
      name: stored.name ?? '',
      passwordHash: stored.passwordHash,
      createdAt: stored.createdAt ?? '',
      generation: Number(stored.generation ?? 0)
    }
  }

  /** The account's credential generation now; null once the account is gone. */
  async generationOf (userId: string): Promise<number | null> {
    const generation = await this.redis.hget(accountKey(userId), 'generation')
    return generation === null ? null : Number(generation)
  }

  /** Whether the email belongs to a live account; an entry left by an unfinished deletion is cleared. */
  async isTaken (email: string): Promise<boolean> {
    const id = await this.idOf(email)
    if (id === null) return false
    if (await this.redis.exists(accountKey(id)) === 1) return true
    await this.redis.eval(DELETE_IF_VALUE, 1, emailKey(email), id)
    return false
  }

  /** Writes the account, then claims its email (SET NX); false, with nothing left behind, when the email is taken. */
  async create (account: Omit<Account, 'generation'>): Promise<boolean> {
    const { id, email, name, passwordHash, createdAt } = account
    await this.redis.hset(accountKey(id), { email, name, passwordHash, createdAt, generation: 0 })
    if (await this.redis.set(emailKey(email), id, 'NX') === 'OK') return true
    await this.redis.del(accountKey(id))
    return false
  }

  /**
   * Replaces the password hash if it is still `expectedHash`. `newGeneration` moves the credential generation
   * (a password change); a rehash of the same password does not. Returns the generation after it, or null
   * when the hash was changed or the account deleted meanwhile.
   */
  async replaceHash (
    userId: string, expectedHash: string, nextHash: string, { newGeneration }: { newGeneration: boolean }
  ): Promise<number | null> {
    const step = newGeneration ? 1 : 0
    const key = accountKey(userId)
    const generation = await this.redis.eval(REPLACE_HASH, 1, key, expectedHash, nextHash, step) as number
    return generation < 0 ? null : generation
  }

  /** Deletes the account if its hash is still `expectedHash`, then frees its email; false when it was not. */
  async delete (account: Account): Promise<boolean> {
    if (await this.redis.eval(DELETE_IF_HASH, 1, accountKey(account.id), account.passwordHash) !== 1) return false
    await this.redis.eval(DELETE_IF_VALUE, 1, emailKey(account.email), account.id)
    return true
  }

  /**
   * The id the email points at. An entry from before accounts moved into the user's slot holds the whole
   * account as JSON: it is moved on first read, so no account registered before is lost.
   */
  private async idOf (email: string): Promise<string | null> {
    const entry = await this.redis.get(emailKey(email))
    if (entry === null || !entry.startsWith('{')) return entry
    const legacy = JSON.parse(entry) as Omit<Account, 'generation'>
    await this.redis.eval(MOVE_LEGACY, 1, accountKey(legacy.id), 'email', legacy.email, 'name', legacy.name,
      'passwordHash', legacy.passwordHash, 'createdAt', legacy.createdAt, 'generation', 0)
    await this.redis.set(emailKey(email), legacy.id, 'XX')
    return legacy.id
  }
}
