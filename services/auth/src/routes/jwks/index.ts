import type { KeyRing } from '@authpair/keys'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Jwks } from '../../schemas/tokens.js'

export interface JwksRoutesOptions {
  keys: KeyRing
  /**
   * Seconds verifiers may cache the set (JWKS_MAX_AGE). They refresh at that age, so a removed key stops
   * verifying within it, and a new key must be published at least this long before it signs.
   */
  maxAgeSeconds: number
}

const jwksRoutes: FastifyPluginAsyncTypebox<JwksRoutesOptions> = async (fastify, { keys, maxAgeSeconds }) => {
  const body = keys.jwks()
  const cacheControl = `public, max-age=${maxAgeSeconds}`
  fastify.get('/.well-known/jwks.json', {
    schema: { tags: ['tokens'], summary: 'Public keys that verify access tokens', response: { 200: Jwks } }
  }, async function onJwks (_request, reply) {
    return await reply.header('cache-control', cacheControl).send(body)
  })
}

export default jwksRoutes
