import fp from 'fastify-plugin'
import { Type } from 'typebox'

export interface HealthOptions {
  /** Resolves when every dependency the service needs answers; rejects otherwise. */
  ready: () => Promise<void>
}

const Status = Type.Object({ status: Type.String() })

/** /healthz: the process runs. /readyz: its dependencies answer, so a load balancer may send traffic. */
export const healthPlugin = fp<HealthOptions>(async (fastify, { ready }) => {
  fastify.get('/healthz', { schema: { tags: ['operations'], response: { 200: Status } } }, async () => ({ status: 'ok' }))
  fastify.get('/readyz', {
    schema: { tags: ['operations'], response: { 200: Status, 503: Type.Ref('ErrorBody') } }
  }, async (request, reply) => {
    try {
      await ready()
      return { status: 'ready' }
    } catch (error) {
      request.log.warn({ err: error }, 'not ready')
      return await reply.code(503).send({ error: 'store_unavailable', message: 'A dependency does not answer' })
    }
  })
}, { name: 'authpair-health', fastify: '5.x', dependencies: ['authpair-error-contract'] })
