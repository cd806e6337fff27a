import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { normalizeEmailField } from '../../lib/email.js'
import { RegisterBody, UserView } from '../../schemas/users.js'

const Err = Type.Ref('ErrorBody')

const usersRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.post('/v1/users', {
    preValidation: normalizeEmailField,
    preHandler: fastify.registrationLimit,
    schema: {
      tags: ['users'],
      summary: 'Register an account',
      body: RegisterBody,
      response: { 201: UserView, 400: Err, 409: Err, 429: Err, 503: Err }
    }
  }, async function onRegister (request, reply) {
    const { email, password, name } = request.body
    const user = await fastify.users.register(email, password, name.trim(), {
      beforeHash: async () => { await fastify.registrationHashLimit(request) }
    })
    return await reply.code(201).send(user)
  })
}

export default usersRoutes
