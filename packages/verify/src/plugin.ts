import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { VerifyError } from './errors.js'
import type { VerifierOptions } from './options.js'
import { CredentialVerifier, type Identity } from './verifier.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `authenticate`: who the credential says the caller is. */
    identity: Identity
  }
  interface FastifyInstance {
    /** The verifier behind the hooks: whether keys are known, its revocation mode. Closed with the app. */
    credentials: CredentialVerifier
    /** onRequest/preHandler: sets request.identity from the Bearer token, else the session cookie; 401 otherwise. */
    authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
    /** preHandler after authenticate: cookie requests must carry the session's CSRF token (403 otherwise). */
    requireCsrf: (request: FastifyRequest) => Promise<void>
  }
}

/**
 * authpair authentication for any Fastify service, in one registration: `fastify.authenticate` and
 * `fastify.requireCsrf` as hooks, `request.identity`, RFC 6750 answers (the 401's `WWW-Authenticate`
 * is set on the reply, so any error handler sends it), and the verifier's metrics when a registry is
 * given. The verifier is started at registration (options validated first) and closed with the app.
 */
export const verifyPlugin = fp<VerifierOptions>(async (fastify, options) => {
  const verifier = await CredentialVerifier.start({ log: fastify.log, ...options })
  fastify.addHook('onClose', async () => { await verifier.close() })
  // No cookie plugin: its hooks would parse the Cookie header of every request, bare routes included
  // (docs/bench.md); `identify` parses it only when no Bearer token is sent.

  fastify.decorate('credentials', verifier)
  fastify.decorateRequest('identity', null as unknown as Identity)
  fastify.decorate('authenticate', async (request: FastifyRequest, reply: FastifyReply) => {
    try {
      request.identity = await verifier.identify(request.headers)
    } catch (error) {
      if (error instanceof VerifyError && error.wwwAuthenticate !== undefined) reply.header('www-authenticate', error.wwwAuthenticate)
      throw error
    }
  })
  fastify.decorate('requireCsrf', async (request: FastifyRequest) => {
    verifier.checkCsrf(request.identity, request.headers['x-csrf-token'])
  })
}, { name: 'authpair-verify', fastify: '5.x' })
