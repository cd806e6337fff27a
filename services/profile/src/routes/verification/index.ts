import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type, type Static } from 'typebox'

export const VerificationView = Type.Object({
  tokenRevocation: Type.Union([Type.Literal('off'), Type.Literal('denylist'), Type.Literal('push')], {
    description: 'how a revoked access token is refused: off (at its exp), denylist (one Redis read a request), push'
  }),
  sessionCache: Type.Union([Type.Literal('off'), Type.Literal('tracking')], {
    description: 'off: one Redis GET a session request; tracking: sessions from memory, evicted by Redis'
  }),
  accessTokenTtlSeconds: Type.Integer({ description: 'the longest an access token lives' })
}, { description: 'How this instance checks credentials: the page shows it; nothing secret' })

/** GET /v1/verification: which of the trade-offs this instance runs, for people (the web page) and tools. */
const verificationRoutes: FastifyPluginAsyncTypebox<Static<typeof VerificationView>> = async (fastify, view) => {
  const { tokenRevocation, sessionCache, accessTokenTtlSeconds } = view
  const answer = { tokenRevocation, sessionCache, accessTokenTtlSeconds }
  fastify.get('/v1/verification', {
    schema: {
      tags: ['profile'],
      summary: 'How this instance checks credentials: its revocation mode and session cache',
      security: [],
      response: { 200: VerificationView }
    }
  }, async function onVerification (_request, reply) {
    return await reply.header('cache-control', 'no-cache').send(answer)
  })
}

export default verificationRoutes
