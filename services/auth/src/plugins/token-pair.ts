import fp from 'fastify-plugin'
import { InvalidCredentials } from '../errors.js'
import type { User, VerifiedUser } from './users.js'

export interface TokenPair {
  access_token: string
  token_type: 'Bearer'
  expires_in: number
  refresh_token: string
}

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * A new refresh-token family for the user and its first access token. InvalidCredentials when the
     * password it was granted on changed meanwhile, or the account went: the family is then revoked.
     */
    issueTokenPair: (user: VerifiedUser) => Promise<TokenPair>
    /** An access token for a family that already exists (refresh), and its refresh token. */
    tokenPairOf: (user: User, refresh: { token: string, family: string }) => Promise<TokenPair>
  }
}

export const tokenPairPlugin = fp<{ accessTtlSeconds: number }>(async (fastify, { accessTtlSeconds }) => {
  async function tokenPairOf (user: User, refresh: { token: string, family: string }): Promise<TokenPair> {
    return {
      access_token: await fastify.signAccessToken(user, refresh.family),
      token_type: 'Bearer',
      expires_in: accessTtlSeconds,
      refresh_token: refresh.token
    }
  }

  fastify.decorate('tokenPairOf', tokenPairOf)
  fastify.decorate('issueTokenPair', async (user: VerifiedUser) => {
    const refresh = await fastify.refreshTokens.issue(user)
    // Listed first, then the generation checked: a password change or deletion either ran before (seen
    // here) or runs after, and then finds this family to end.
    if (await fastify.users.isCurrent(user.id, user.generation)) return await tokenPairOf(user, refresh)
    await fastify.refreshTokens.revoke(refresh.token)
    throw new InvalidCredentials()
  })
}, { name: 'authpair-token-pair', dependencies: ['authpair-users', 'authpair-refresh-tokens', 'authpair-access-tokens'] })
