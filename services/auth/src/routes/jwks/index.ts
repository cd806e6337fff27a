import type { KeyRing } from '@authpair/keys'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Jwks } from '../../schemas/tokens.js'

/** Verifiers may cache the key set this long; a new key is published at least this long before it signs. */
export const JWKS_MAX_AGE_SECONDS = 300

const jwksRoutes: FastifyPluginAsyncTypebox<{ keys: KeyRing }> = async (fastify, { keys }) => {
  const body = keys.jwks()
  fastify.get('/.well-known/jwks.json', {
    schema: { tags: ['tokens'], summary: 'Public keys that verify access tokens', response: { 200: Jwks } }
  }, async function onJwks (_request, reply) {
    return await reply.header('cache-control', `public, max-age=${JWKS_MAX_AGE_SECONDS}`).send(body)
  })
}

export default jwksRoutes
