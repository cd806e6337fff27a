import type { SessionStore } from '@authpair/session-store'
import fp from 'fastify-plugin'

declare module 'fastify' {
  interface FastifyInstance {
    /** Ends every session of the user. */
    logoutEverywhere: (userId: string) => Promise<void>
  }
}

export const logoutEverywherePlugin = fp<{ store: SessionStore }>(async (fastify, { store }) => {
  fastify.decorate('logoutEverywhere', async (userId: string) => {
    await store.revokeAll(userId)
  })
}, { name: 'authpair-logout-everywhere' })
