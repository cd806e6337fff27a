import { randomUUID } from 'node:crypto'
import { ACCESS_TOKEN_TYPE, isAccessTokenClaims, JWT_ALGORITHM, type AccessTokenClaims, type KeyRing } from '@authpair/keys'
import jwt from '@fastify/jwt'
import fp from 'fastify-plugin'
import type { User } from './users.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** A signed access token for the user, minted by the refresh-token `family`, by the key that signs now. */
    signAccessToken: (user: User, family: string) => Promise<string>
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

/**
 * Access JWTs through @fastify/jwt: RS256 only, `typ: at+jwt`, kid; iss, aud, sub, name, email, iat,
 * iat_ms, exp, jti, fid.
 */
export const accessTokensPlugin = fp<AccessTokenOptions>(async (fastify, { keys, ttlSeconds, issuer, audience }) => {
  const initial = keys.signingKey()
  await fastify.register(jwt, {
    secret: { private: initial.privatePem, public: initial.publicPem },
    sign: {
      algorithm: JWT_ALGORITHM,
      header: { alg: JWT_ALGORITHM, typ: ACCESS_TOKEN_TYPE },
      iss: issuer,
      aud: audience,
      expiresIn: ttlSeconds
    },
    verify: { algorithms: [JWT_ALGORITHM], allowedIss: issuer, allowedAud: audience }
  })

  fastify.decorate('signAccessToken', async (user: User, family: string) => {
    // Looked up per token, so a key published ahead of time starts signing when its time comes.
    const key = keys.signingKey()
    // `iat` is whole seconds; `iat_ms` tells a token from a revocation cut-off in the same second. The
    // signer takes iat (and so exp) from the same instant.
    const issuedMs = Date.now()
    const claims = {
      sub: user.id,
      name: user.name,
      email: user.email,
      jti: randomUUID(),
      fid: family,
      iat: issuedMs / 1000,
      iat_ms: issuedMs
    }
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
