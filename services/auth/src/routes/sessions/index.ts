import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { SessionNotFound } from '../../errors.js'
import { normalizeEmailField } from '../../lib/email.js'
import { sessionCookiePlugin, type SessionCookieOptions } from '../../plugins/session-cookie.js'
import { CredentialsBody } from '../../schemas/users.js'
import { CsrfHeader, SessionIdParams, SessionList, SessionLoginReply } from '../../schemas/sessions.js'

const Err = Type.Ref('ErrorBody')
const iso = (ms: number) => new Date(ms).toISOString()

const sessionsRoutes: FastifyPluginAsyncTypebox<SessionCookieOptions> = async (fastify, options) => {
  await fastify.register(sessionCookiePlugin, options)
  const { store } = options

  fastify.post('/v1/sessions', {
    preValidation: normalizeEmailField,
    preHandler: fastify.loginGuard,
    schema: {
      tags: ['sessions'],
      summary: 'Log in with a session cookie',
      body: CredentialsBody,
      response: { 201: SessionLoginReply, 400: Err, 401: Err, 429: Err, 503: Err }
    }
  }, async function onSessionLogin (request, reply) {
    const user = await fastify.verifyLogin(request, reply, 'session')
    const record = await fastify.startSession(request, user)
    const expiresAt = iso(store.absoluteDeadline(record))
    const { id, email, name } = user
    return await reply.code(201).send({ user: { id, email, name }, expiresAt, csrfToken: record.csrfToken })
  })

  fastify.get('/v1/sessions', {
    preHandler: fastify.requireSession,
    schema: { tags: ['sessions'], summary: "List the caller's sessions", security: [{ session: [] }], response: { 200: SessionList, 401: Err, 503: Err } }
  }, async function onListSessions (request) {
    const current = request.session
    const listed = await store.list(current.userId as string)
    return {
      sessions: listed.map(({ record }) => ({
        id: record.handle,
        createdAt: iso(record.createdAt),
        lastSeenAt: iso(record.lastSeenAt),
        userAgent: record.userAgent,
        ip: record.ip,
        current: record.handle === current.handle
      }))
    }
  })

  fastify.delete('/v1/sessions/current', {
    preHandler: fastify.requireSession,
    schema: { tags: ['sessions'], summary: 'Log out this session', security: [{ session: [] }], response: { 204: Type.Null(), 401: Err, 503: Err } }
  }, async function onLogout (request, reply) {
    await request.session.destroy()
    return await fastify.clearSessionCookie(reply).code(204).send(null)
  })

  fastify.delete('/v1/sessions/:id', {
    preHandler: [fastify.requireSession, fastify.requireCsrf],
    schema: {
      tags: ['sessions'],
      summary: 'Revoke one of your sessions',
      security: [{ session: [] }],
      params: SessionIdParams,
      headers: CsrfHeader,
      response: { 204: Type.Null(), 400: Err, 401: Err, 403: Err, 404: Err, 503: Err }
    }
  }, async function onRevokeSession (request, reply) {
    const current = request.session
    const revoked = await store.revoke(current.userId as string, request.params.id)
    if (!revoked) throw new SessionNotFound()
    if (request.params.id === current.handle) fastify.clearSessionCookie(reply)
    return await reply.code(204).send(null)
  })

  fastify.delete('/v1/sessions', {
    preHandler: [fastify.requireSession, fastify.requireCsrf],
    schema: {
      tags: ['sessions'],
      summary: 'Log out everywhere: every session and every refresh-token family of the user',
      security: [{ session: [] }],
      headers: CsrfHeader,
      response: { 204: Type.Null(), 401: Err, 403: Err, 503: Err }
    }
  }, async function onLogoutEverywhere (request, reply) {
    await fastify.logoutEverywhere(request.session.userId as string)
    // A device cookie of this account, stolen or not, no longer gives its holder the owner's lane.
    await fastify.deviceCookie.revokeAll(request.session.email as string)
    return await fastify.clearSessionCookie(reply).code(204).send(null)
  })
}

export default sessionsRoutes
