import fp from 'fastify-plugin'

/**
 * Headers every answer gets on its way out.
 * - Graceful shutdown closes idle keep-alive connections, but a connection busy when close() starts would
 *   stay open after its response until the keep-alive timeout. Answers sent while closing therefore carry
 *   `Connection: close`, so every in-flight request finishes and its socket ends with it.
 * - `Cache-Control: no-store` unless the route chose its own (the JWKS is public and cacheable): answers
 *   carry tokens, session cookies, CSRF tokens and profile data, which no cache may keep (RFC 6749 §5.1).
 */
export const drainPlugin = fp(async (fastify) => {
  let closing = false
  fastify.addHook('preClose', async () => { closing = true })
  // A callback hook, not an async one: it runs on every response and must cost no promise.
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close')
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store')
    done(null, payload)
  })
}, { name: 'authpair-drain', fastify: '5.x' })
