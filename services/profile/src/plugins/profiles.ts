import fp from 'fastify-plugin'
import type { Identity } from '@authpair/verify'
import { AccountDeleted } from '../errors.js'

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
      /** AccountDeleted once the account's deletion has been applied here (see `remove`). */
      update: (identity: Identity, changes: { name?: string, bio?: string }) => Promise<Profile>
      /**
       * The account was deleted: its profile goes, and a marker keeps any token still alive (TOKEN_REVOCATION
       * off) from writing it back until that token has expired. Idempotent.
       */
      remove: (userId: string) => Promise<void>
    }
  }
}

const profileKey = (userId: string) => `profile:{${userId}}`
const deletedKey = (userId: string) => `profile:{${userId}}:deleted`

// One step: refused once the account is deleted, else the fields sent, the name kept from the identity
// when none was stored, and the result read back. KEYS: profile, deleted marker. ARGV: identity's name,
// then field/value pairs.
const UPDATE = `
if redis.call('EXISTS', KEYS[2]) == 1 then return false end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('HSETNX', KEYS[1], 'name', ARGV[1])
return redis.call('HGETALL', KEYS[1])`

export interface ProfilesOptions {
  /** How long a deleted account's tokens may still be accepted: ACCESS_TOKEN_TTL plus the clock leeway. */
  tokenLifetimeSeconds: number
}

/**
 * Profiles, owned by this service, one Redis hash per user. A profile starts from the identity's name.
 * An update writes only the fields sent, so concurrent updates of different fields both land.
 */
export const profilesPlugin = fp<ProfilesOptions>(async (fastify, { tokenLifetimeSeconds }) => {
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
    const fields = Object.entries({ ...changes, updatedAt: new Date().toISOString() }).flat()
    const keys = [profileKey(identity.id), deletedKey(identity.id)]
    const stored = await redis.eval(UPDATE, 2, ...keys, identity.name, ...fields) as string[] | null
    if (stored === null) throw new AccountDeleted()
    const values: Record<string, string> = {}
    for (let i = 0; i + 1 < stored.length; i += 2) values[stored[i] as string] = stored[i + 1] as string
    return view(identity, values)
  }

  async function remove (userId: string): Promise<void> {
    await redis.multi().del(profileKey(userId)).set(deletedKey(userId), '1', 'EX', tokenLifetimeSeconds).exec()
  }

  fastify.decorate('profiles', { get, update, remove })
}, { name: 'authpair-profiles', dependencies: ['authpair-redis'] })
