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
  /** Creates the account; throws EmailTaken if the (normalised) email exists, atomically. */
  register: (email: string, password: string, name: string) => Promise<User>
  /**
   * The user when the password is right; null for a wrong password and for an unknown email alike. The hash
   * waits in `lane` (the account owner's device, or anyone); Overloaded (503) when that lane is full.
   */
  verifyCredentials: (email: string, password: string, lane: HashLane) => Promise<User | null>
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

  async function admitted<T> (lane: HashLane, work: () => Promise<T>): Promise<T> {
    try {
      return await gate.run(lane, work)
    } catch (error) {
      if (error instanceof GateFull) throw retryAfter(new Overloaded(), 1)
      throw error
    }
  }

  async function register (email: string, password: string, name: string): Promise<User> {
    // A taken email is answered before any hashing: the 409 says the account exists either way, and a
    // flood of registrations for one address must not cost a scrypt each. SET NX below stays the real check.
    if (await redis.exists(userKey(email)) === 1) throw new EmailTaken()
    const passwordHash = await admitted('anonymous', async () => await hashPassword(password))
    const user: StoredUser = { id: randomUUID(), email, name, passwordHash, createdAt: new Date().toISOString() }
    const created = await redis.set(userKey(email), JSON.stringify(user), 'NX')
    if (created === null) throw new EmailTaken()
    return { id: user.id, email, name }
  }

  async function verifyCredentials (email: string, password: string, lane: HashLane): Promise<User | null> {
    const json = await redis.get(userKey(email))
    const stored = json === null ? null : JSON.parse(json) as StoredUser
    const against = stored?.passwordHash ?? await dummyHash
    const verdict = await admitted(lane, async () => await verifyPassword(password, against))
    if (stored === null || !verdict.valid) return null
    if (verdict.needsRehash) {
      const upgraded = { ...stored, passwordHash: await admitted(lane, async () => await hashPassword(password)) }
      await redis.set(userKey(email), JSON.stringify(upgraded), 'XX')
    }
    return { id: stored.id, email: stored.email, name: stored.name }
  }

  fastify.decorate('users', { register, verifyCredentials })
}, { name: 'authpair-users', dependencies: ['authpair-redis'] })
