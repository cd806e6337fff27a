import fp from 'fastify-plugin'
import type { Identity } from '@authpair/verify'

export interface Profile {
  id: string
  email: string
  name: string
  bio: string
  updatedAt: string
}

declare module 'fastify' {
  interface FastifyInstance {
    profiles: {
      get: (identity: Identity) => Promise<Profile>
      update: (identity: Identity, changes: { name?: string, bio?: string }) => Promise<Profile>
    }
  }
}

const profileKey = (userId: string) => `profile:{${userId}}`

/**
 * Profiles, owned by this service, one Redis hash per user. A profile starts from the identity's name.
 * An update is one HSET of only the fields sent, so concurrent updates of different fields both land.
 */
export const profilesPlugin = fp(async (fastify) => {
  const redis = fastify.redis
  const view = (identity: Identity, stored: Record<string, string>): Profile => ({
    id: identity.id,
    email: identity.email,
    name: stored.name ?? identity.name,
    bio: stored.bio ?? '',
    updatedAt: stored.updatedAt ?? new Date(0).toISOString()
  })

  async function get (identity: Identity): Promise<Profile> {
    return view(identity, await redis.hgetall(profileKey(identity.id)))
  }

  async function update (identity: Identity, changes: { name?: string, bio?: string }): Promise<Profile> {
    const key = profileKey(identity.id)
    const fields = { ...changes, updatedAt: new Date().toISOString() }
    // One transaction: the write and the read-back see no other update in between.
    const replies = await redis.multi().hset(key, fields).hsetnx(key, 'name', identity.name).hgetall(key).exec()
    const [error, stored] = replies?.[2] ?? [new Error('profile update: transaction discarded'), null]
    if (error !== null) throw error
    return view(identity, stored as Record<string, string>)
  }

  fastify.decorate('profiles', { get, update })
}, { name: 'authpair-profiles', dependencies: ['authpair-redis'] })
