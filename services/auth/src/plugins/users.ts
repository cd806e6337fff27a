import { randomUUID } from 'node:crypto'
import fp from 'fastify-plugin'
import { EmailTaken } from '../errors.js'
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
  /** The user when the password is right; null for a wrong password and for an unknown email alike. */
  verifyCredentials: (email: string, password: string) => Promise<User | null>
}

declare module 'fastify' {
  interface FastifyInstance {
    users: Users
  }
}

const userKey = (email: string) => `user:email:${email}`

/** Users in Redis, one key per normalised email (so uniqueness is a single SET NX). */
export const usersPlugin = fp(async (fastify) => {
  const redis = fastify.redis
  // Hashed once, so that an unknown email costs the same scrypt work as a wrong password.
  const dummyHash = hashPassword(randomUUID())

  async function register (email: string, password: string, name: string): Promise<User> {
    const passwordHash = await hashPassword(password)
    const user: StoredUser = { id: randomUUID(), email, name, passwordHash, createdAt: new Date().toISOString() }
    const created = await redis.set(userKey(email), JSON.stringify(user), 'NX')
    if (created === null) throw new EmailTaken()
    return { id: user.id, email, name }
  }

  async function verifyCredentials (email: string, password: string): Promise<User | null> {
    const json = await redis.get(userKey(email))
    const stored = json === null ? null : JSON.parse(json) as StoredUser
    const verdict = await verifyPassword(password, stored?.passwordHash ?? await dummyHash)
    if (stored === null || !verdict.valid) return null
    if (verdict.needsRehash) {
      const upgraded = { ...stored, passwordHash: await hashPassword(password) }
      await redis.set(userKey(email), JSON.stringify(upgraded), 'XX')
    }
    return { id: stored.id, email: stored.email, name: stored.name }
  }

  fastify.decorate('users', { register, verifyCredentials })
}, { name: 'authpair-users', dependencies: ['authpair-redis'] })
