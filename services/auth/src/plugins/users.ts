import { randomUUID } from 'node:crypto'
import fp from 'fastify-plugin'
import { retryAfter } from '@authpair/service-kit'
import { EmailTaken, Overloaded } from '../errors.js'
import { GateFull, HashGate, type HashGateOptions, type HashLane } from '../lib/hash-gate.js'
import { hashPassword, verifyPassword } from '../lib/passwords.js'

export interface User {
  id: string
  email: string
  name: string
}

interface StoredUser extends User {
  passwordHash: string
  createdAt: string
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
   * waits in `lane` (the account owner's device, or anyone), one at a time per account and per device;
   * Overloaded (503) when that lane is full, or another hash of the account or device is under way.
   */
  verifyCredentials: (
    email: string, password: string, from: { lane: HashLane, deviceId: string | null }
  ) => Promise<User | null>
}

declare module 'fastify' {
  interface FastifyInstance {
    users: Users
  }
}

const userKey = (email: string) => `user:email:${email}`

/**
 * Users in Redis, one key per normalised email (so uniqueness is a single SET NX). Every password hash goes
 * through one admission gate (lib/hash-gate.ts): a flood is answered 503 `overloaded` at once, never queued
 * behind.
 */
export const usersPlugin = fp<HashGateOptions>(async (fastify, gateOptions) => {
  const redis = fastify.redis
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
    // flood of registrations for one address must not cost a scrypt each. SET NX below stays the real check.
    if (await redis.exists(userKey(email)) === 1) throw new EmailTaken()
    await beforeHash?.()
    // No holder: concurrent registrations of one email all hash, and SET NX answers the losers 409 (the
    // per-address limit and the cap on hashed registrations bound them).
    const passwordHash = await admitted('anonymous', [], async () => await hashPassword(password))
    const user: StoredUser = { id: randomUUID(), email, name, passwordHash, createdAt: new Date().toISOString() }
    const created = await redis.set(userKey(email), JSON.stringify(user), 'NX')
    if (created === null) throw new EmailTaken()
    return { id: user.id, email, name }
  }

  async function verifyCredentials (
    email: string, password: string, { lane, deviceId }: { lane: HashLane, deviceId: string | null }
  ): Promise<User | null> {
    const json = await redis.get(userKey(email))
    const stored = json === null ? null : JSON.parse(json) as StoredUser
    const against = stored?.passwordHash ?? await dummyHash
    // One hash at a time per anonymous account, and per device for its owner: guesses at an account from
    // elsewhere never hold the place its owner's device logs in with.
    const holders = deviceId === null ? [`account:${email}`] : [`device:${deviceId}`]
    const verdict = await admitted(lane, holders, async () => await verifyPassword(password, against))
    if (stored === null || !verdict.valid) return null
    if (verdict.needsRehash) {
      const passwordHash = await admitted(lane, holders, async () => await hashPassword(password))
      const upgraded = { ...stored, passwordHash }
      await redis.set(userKey(email), JSON.stringify(upgraded), 'XX')
    }
    return { id: stored.id, email: stored.email, name: stored.name }
  }

  fastify.decorate('users', { register, verifyCredentials })
}, { name: 'authpair-users', dependencies: ['authpair-redis'] })
