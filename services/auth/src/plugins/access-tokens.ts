import { randomUUID } from 'node:crypto'
import { isAccessTokenClaims, JWT_ALGORITHM, type AccessTokenClaims, type KeyRing } from '@authpair/keys'
import jwt from '@fastify/jwt'
import fp from 'fastify-plugin'
import type { User } from './users.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** A signed access token for the user, by the key that signs now. */
    signAccessToken: (user: User) => Promise<string>
    /** The claims of a token this service signed with any published key, or null. */
    verifyAccessToken: (token: string) => Promise<AccessTokenClaims | null>
  }
}

export interface AccessTokenOptions {
  keys: KeyRing
  ttlSeconds: number
  issuer: string
  audience: string
}

/** Access JWTs through @fastify/jwt: RS256 only, with kid, iss, aud, sub, name, email, iat, exp, jti. */
export const accessTokensPlugin = fp<AccessTokenOptions>(async (fastify, { keys, ttlSeconds, issuer, audience }) => {
  const initial = keys.signingKey()
  await fastify.register(jwt, {
    secret: { private: initial.privatePem, public: initial.publicPem },
    sign: { algorithm: JWT_ALGORITHM, iss: issuer, aud: audience, expiresIn: ttlSeconds },
    verify: { algorithms: [JWT_ALGORITHM], allowedIss: issuer, allowedAud: audience }
  })

  fastify.decorate('signAccessToken', async (user: User) => {
    // Looked up per token, so a key published ahead of time starts signing when its time comes.
    const key = keys.signingKey()
    const claims = { sub: user.id, name: user.name, email: user.email, jti: randomUUID() }
    return fastify.jwt.sign(claims, { key: key.privatePem, kid: key.kid })
  })

  fastify.decorate('verifyAccessToken', async (token: string) => {
    try {
      const { header } = fastify.jwt.decode<{ header: { kid?: unknown } }>(token, { complete: true }) ?? { header: {} }
      const key = typeof header.kid === 'string' ? keys.find(header.kid) : undefined
      if (key === undefined) return null
      const claims: unknown = fastify.jwt.verify(token, { key: key.publicPem })
      return isAccessTokenClaims(claims) ? claims : null
    } catch {
      return null // malformed, forged, expired or signed by an unknown key: nothing to revoke
    }
  })
}, { name: 'authpair-access-tokens' })
