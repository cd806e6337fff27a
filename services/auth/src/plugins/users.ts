import { randomUUID } from 'node:crypto'
import fp from 'fastify-plugin'
import { retryAfter } from '@authpair/service-kit'
import { EmailTaken, Overloaded } from '../errors.js'
import { AccountStore, type Account } from '../lib/accounts.js'
import { GateFull, HashGate, type HashGateOptions, type HashLane } from '../lib/hash-gate.js'
import { hashPassword, verifyPassword } from '../lib/passwords.js'

export interface User {
  id: string
  email: string
  name: string
}

/** A user whose password was just checked, and the credential generation it was checked in. */
export interface VerifiedUser extends User {
  generation: number
}

/** Where a password check waits: the account owner's device, or anyone (see lib/hash-gate.ts). */
export interface CheckFrom {
  lane: HashLane
  deviceId: string | null
}

export interface Users {
  /**
   * Creates the account; throws EmailTaken if the (normalised) email exists, atomically. `beforeHash` runs
   * once the email is known to be free, just before the password is hashed (a limit on hashing).
   */
  register: (
    email: string, password: string, name: string, hooks?: { beforeHash?: () => Promise<void> }
  ) => Promise<User>
  /**
   * The user when the password is right; null for a wrong password and for an unknown email alike. The hash
   * waits in `from.lane`, one at a time per account and per device; Overloaded (503) when that lane is full,
   * or another hash of the account or device is under way.
   */
  verifyCredentials: (email: string, password: string, from: CheckFrom) => Promise<VerifiedUser | null>
  /**
   * Whether what a login created in `generation` may stand. Call it after the session or family is listed:
   * a password change or deletion that ran before it is seen here, and one that runs after it finds the
   * session or family to end. False once the password changed or the account is gone.
   */
  isCurrent: (userId: string, generation: number) => Promise<boolean>
  /** The signed-in user's account when `password` is theirs (else null, as once deleted), through the login's gate. */
  checkPassword: (userId: string, password: string, from: CheckFrom) => Promise<Account | null>
  /**
   * Hashes `newPassword` and makes it the account's, moving its credential generation: null when the
   * password was changed, or the account deleted, since `account` was read (nothing is changed then).
   */
  changePassword: (account: Account, newPassword: string, from: CheckFrom) => Promise<VerifiedUser | null>
  /** Deletes the account and frees its email; false when its password changed, or it went, since it was read. */
  deleteAccount: (account: Account) => Promise<boolean>
}

declare module 'fastify' {
  interface FastifyInstance {
    users: Users
  }
}

/**
 * Users in Redis (lib/accounts.ts: an account hash in the user's slot, found by its normalised email, whose
 * uniqueness is one SET NX). Every password hash goes through one admission gate (lib/hash-gate.ts): a
 * flood is answered 503 `overloaded` at once, never queued behind.
 */
export const usersPlugin = fp<HashGateOptions>(async (fastify, gateOptions) => {
  const accounts = new AccountStore(fastify.redis)
  const gate = new HashGate(gateOptions)
  // Hashed once, so that an unknown email costs the same scrypt work as a wrong password.
  const dummyHash = hashPassword(randomUUID())

  async function admitted<T> (lane: HashLane, holders: string[], work: () => Promise<T>): Promise<T> {
    try {
      return await gate.run(lane, holders, work)
    } catch (error) {
      if (error instanceof GateFull) throw retryAfter(new Overloaded(), 1)
      throw error
    }
  }

  async function register (
    email: string, password: string, name: string, { beforeHash }: { beforeHash?: () => Promise<void> } = {}
  ): Promise<User> {
    // A taken email is answered before any hashing: the 409 says the account exists either way, and a
    // flood of registrations for one address must not cost a scrypt each. SET NX in create stays the real check.
    if (await accounts.isTaken(email)) throw new EmailTaken()
    await beforeHash?.()
    // No holder: concurrent registrations of one email all hash, and SET NX answers the losers 409 (the
    // per-address limit and the cap on hashed registrations bound them).
    const passwordHash = await admitted('anonymous', [], async () => await hashPassword(password))
    const account = { id: randomUUID(), email, name, passwordHash, createdAt: new Date().toISOString() }
    if (!await accounts.create(account)) throw new EmailTaken()
    return { id: account.id, email, name }
  }

  // One hash at a time per anonymous account, and per device for its owner: guesses at an account from
  // elsewhere never hold the place its owner's device logs in with.
  const holdersFor = (email: string, { deviceId }: CheckFrom) =>
    deviceId === null ? [`account:${email}`] : [`device:${deviceId}`]

  /** The account when the password is its own; an unknown account costs the same hash as a wrong password. */
  async function judge (
    account: Account | null, email: string, password: string, from: CheckFrom
  ): Promise<Account | null> {
    const holders = holdersFor(email, from)
    const against = account?.passwordHash ?? await dummyHash
    const verdict = await admitted(from.lane, holders, async () => await verifyPassword(password, against))
    if (account === null || !verdict.valid) return null
    if (!verdict.needsRehash) return account
    const passwordHash = await admitted(from.lane, holders, async () => await hashPassword(password))
    // Only over the hash just checked: a rehash must never undo a password change that ran meanwhile.
    await accounts.replaceHash(account.id, account.passwordHash, passwordHash, { newGeneration: false })
    return account
  }

  async function verifyCredentials (email: string, password: string, from: CheckFrom): Promise<VerifiedUser | null> {
    const account = await judge(await accounts.byEmail(email), email, password, from)
    return account === null ? null : verified(account, account.generation)
  }

  async function checkPassword (userId: string, password: string, from: CheckFrom): Promise<Account | null> {
    const account = await accounts.byId(userId)
    return await judge(account, account?.email ?? userId, password, from)
  }

  async function changePassword (account: Account, newPassword: string, from: CheckFrom): Promise<VerifiedUser | null> {
    const holders = holdersFor(account.email, from)
    const passwordHash = await admitted(from.lane, holders, async () => await hashPassword(newPassword))
    const { id, passwordHash: checked } = account
    const generation = await accounts.replaceHash(id, checked, passwordHash, { newGeneration: true })
    return generation === null ? null : verified(account, generation)
  }

  async function isCurrent (userId: string, generation: number): Promise<boolean> {
    return await accounts.generationOf(userId) === generation
  }

  const deleteAccount = async (account: Account) => await accounts.delete(account)
  fastify.decorate<Users>('users', { register, verifyCredentials, isCurrent, checkPassword, changePassword, deleteAccount })
}, { name: 'authpair-users', dependencies: ['authpair-redis'] })

const verified = ({ id, email, name }: Account, generation: number): VerifiedUser => ({ id, email, name, generation })
