import type { SessionStore } from '@authpair/session-store'
import fp from 'fastify-plugin'

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Ends every session and every refresh-token family of the user, and denies the access tokens already
     * issued. `erase`: the families' records are deleted too (account deletion).
     */
    logoutEverywhere: (userId: string, options?: { erase?: boolean }) => Promise<void>
  }
}

export interface LogoutEverywhereOptions {
  store: SessionStore
  accessTtlSeconds: number
}

export const logoutEverywherePlugin = fp<LogoutEverywhereOptions>(async (fastify, { store, accessTtlSeconds }) => {
  fastify.decorate('logoutEverywhere', async (userId: string, options: { erase?: boolean } = {}) => {
    await Promise.all([store.revokeAll(userId), fastify.refreshTokens.revokeAllForUser(userId, options)])
    // Every access token issued up to now, by any family, is denied until the last of them expires (denylist
    // and push modes). Taken after the families are unlisted, so no token minted by a refresh that ran
    // before them escapes.
    // To the millisecond (tokens carry `iat_ms`): a login right after this is not caught by it.
    const nowMs = Date.now()
    await fastify.revocations.publish({ kind: 'user', sub: userId, beforeMs: nowMs, exp: Math.ceil(nowMs / 1000) + accessTtlSeconds })
  })
}, { name: 'authpair-logout-everywhere', dependencies: ['authpair-redis', 'authpair-refresh-tokens', 'authpair-revocation'] })
