import type { SessionStore } from '@authpair/session-store'
import fp from 'fastify-plugin'

declare module 'fastify' {
  interface FastifyInstance {
    /** Ends every session and every refresh-token family of the user, and denies the access tokens already issued. */
    logoutEverywhere: (userId: string) => Promise<void>
  }
}

export interface LogoutEverywhereOptions {
  store: SessionStore
  accessTtlSeconds: number
}

export const logoutEverywherePlugin = fp<LogoutEverywhereOptions>(async (fastify, { store, accessTtlSeconds }) => {
  fastify.decorate('logoutEverywhere', async (userId: string) => {
    await Promise.all([store.revokeAll(userId), fastify.refreshTokens.revokeAllForUser(userId)])
    // Every access token issued up to now, by any family, is denied until the last of them expires (denylist
    // and push modes). Taken after the families are unlisted, so no token minted by a refresh that ran
    // before them escapes.
    const now = Math.floor(Date.now() / 1000)
    await fastify.revocations.publish({ kind: 'user', sub: userId, before: now, exp: now + accessTtlSeconds })
  })
}, { name: 'authpair-logout-everywhere', dependencies: ['authpair-redis', 'authpair-refresh-tokens', 'authpair-revocation'] })
