import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { Me } from '../../schemas/profile.js'

const Err = Type.Ref('ErrorBody')

/** The hot path the load comparison measures: identity only, no profile read. */
const meRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/v1/me', {
    onRequest: fastify.authenticate,
    schema: {
      tags: ['profile'],
      summary: 'Who the credential says you are (name as of login)',
      security: [{ bearer: [] }, { session: [] }],
      response: { 200: Me, 401: Err, 503: Err }
    }
  }, async function onMe (request) {
    const { id, email, name, auth } = request.identity
    return { id, email, name, auth }
  })
}

export default meRoutes
