import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { ProfilePatch, ProfileView } from '../../schemas/profile.js'

const Err = Type.Ref('ErrorBody')

const profileRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/v1/profile', {
    onRequest: fastify.authenticate,
    schema: {
      tags: ['profile'],
      summary: 'Your profile (the source of truth for profile fields)',
      security: [{ bearer: [] }, { session: [] }],
      response: { 200: ProfileView, 401: Err, 503: Err }
    }
  }, async function onGetProfile (request) {
    return { ...await fastify.profiles.get(request.identity), auth: request.identity.auth }
  })

  fastify.patch('/v1/profile', {
    onRequest: fastify.authenticate,
    preHandler: fastify.requireCsrf,
    schema: {
      tags: ['profile'],
      summary: 'Change your name or bio (cookie requests need x-csrf-token)',
      security: [{ bearer: [] }, { session: [] }],
      body: ProfilePatch,
      response: { 200: ProfileView, 400: Err, 401: Err, 403: Err, 413: Err, 503: Err }
    }
  }, async function onPatchProfile (request) {
    return { ...await fastify.profiles.update(request.identity, request.body), auth: request.identity.auth }
  })
}

export default profileRoutes
