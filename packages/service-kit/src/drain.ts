import fp from 'fastify-plugin'

/**
 * Graceful shutdown closes idle keep-alive connections, but a connection busy when close() starts would
 * stay open after its response until the keep-alive timeout. Answers sent while closing therefore
 * carry `Connection: close`, so every in-flight request finishes and its socket ends with it.
 */
export const drainPlugin = fp(async (fastify) => {
  let closing = false
  fastify.addHook('preClose', async () => { closing = true })
  fastify.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close')
  })
}, { name: 'authpair-drain', fastify: '5.x' })
