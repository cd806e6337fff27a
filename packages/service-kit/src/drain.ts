import fp from 'fastify-plugin'

/**
 * Graceful shutdown closes idle keep-alive connections, but a connection busy when close() starts would
 * stay open after its response until the keep-alive timeout. Answers sent while closing therefore
 * carry `Connection: close`, so every in-flight request finishes and its socket ends with it.
 */
export const drainPlugin = fp(async (fastify) => {
  let closing = false
  fastify.addHook('preClose', async () => { closing = true })
  // A callback hook, not an async one: it runs on every response and must cost no promise.
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close')
    done(null, payload)
  })
}, { name: 'authpair-drain', fastify: '5.x' })
