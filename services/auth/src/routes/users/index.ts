import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { normalizeEmailField } from '../../lib/email.js'
import { RegisterBody, UserView } from '../../schemas/users.js'

const usersRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.post('/v1/users', {
    preValidation: normalizeEmailField,
    schema: {
      tags: ['users'],
      summary: 'Register an account',
      body: RegisterBody,
      response: { 201: UserView, 400: Type.Ref('ErrorBody'), 409: Type.Ref('ErrorBody') }
    }
  }, async function onRegister (request, reply) {
    const { email, password, name } = request.body
    const user = await fastify.users.register(email, password, name.trim())
    return await reply.code(201).send(user)
  })
}

export default usersRoutes
