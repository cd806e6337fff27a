import session from '@fastify/session'
import {
  csrfTokenMatches, fastifySessionStore, sessionCookieName, type SessionRecord, type SessionStore
} from '@authpair/session-store'
import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { CsrfFailed, InvalidCredentials, Unauthorized } from '../errors.js'
import { randomToken } from '../lib/random.js'
import type { VerifiedUser } from './users.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** preHandler: 401 unless the request carries a live session; records activity at most once per interval. */
    requireSession: (request: FastifyRequest) => Promise<void>
    /** preHandler: 403 unless `x-csrf-token` matches the session's token. Use after requireSession. */
    requireCsrf: (request: FastifyRequest) => Promise<void>
    /** Expires the sid cookie in the browser, with the attributes it was set with. */
    clearSessionCookie: (reply: FastifyReply) => FastifyReply
    /**
     * Logs the user in on this request under a new session id (a session id planted before, fixation, is
     * destroyed, never adopted), saved before the reply. InvalidCredentials when the password it was granted
     * on changed meanwhile, or the account went: the session is then destroyed, never left to live.
     */
    startSession: (request: FastifyRequest, user: VerifiedUser) => Promise<SessionRecord>
  }
}

declare module '@fastify/session' {
  interface FastifySessionObject extends Partial<SessionRecord> {}
}

export interface SessionCookieOptions {
  secret: string
  secure: boolean
  store: SessionStore
}

/**
 * @fastify/session over the shared Redis store, for the routes that use sessions only (registered in
 * their scope, so token and health routes pay nothing for it). The cookie is signed, HttpOnly,
 * SameSite=Lax and Path=/, and Secure when configured; it lives as long as the browser session, while
 * the server enforces the idle and absolute timeouts.
 */
export const sessionCookiePlugin = fp<SessionCookieOptions>(async (fastify, { secret, secure, store }) => {
  const cookieOptions = { httpOnly: true, sameSite: 'lax', path: '/', secure } as const
  const cookieName = sessionCookieName(secure)
  await fastify.register(session, {
    secret,
    cookieName,
    store: fastifySessionStore(store),
    saveUninitialized: false,
    rolling: false,
    cookie: cookieOptions
  })

  fastify.decorate('requireSession', async (request: FastifyRequest) => {
    const current = request.session
    if (typeof current.userId !== 'string') throw new Unauthorized()
    const now = Date.now()
    // Changing the session marks it modified; @fastify/session then saves it (SET XX) when the reply goes out.
    if (store.isTouchDue(current as SessionRecord, now)) current.lastSeenAt = now
  })

  fastify.decorate('requireCsrf', async (request: FastifyRequest) => {
    if (!csrfTokenMatches(request.headers['x-csrf-token'], request.session.csrfToken)) throw new CsrfFailed()
  })

  fastify.decorate('startSession', async (request: FastifyRequest, user: VerifiedUser) => {
    await request.session.regenerate()
    const now = Date.now()
    const record: SessionRecord = {
      userId: user.id,
      email: user.email,
      name: user.name,
      handle: randomToken(16),
      csrfToken: randomToken(32),
      createdAt: now,
      lastSeenAt: now,
      userAgent: (request.headers['user-agent'] ?? '').slice(0, 256),
      ip: request.ip
    }
    Object.assign(request.session, record)
    // Listed in the user's index first, then the generation checked: a password change or deletion either
    // ran before (seen here) or runs after, and then finds this session to end.
    await request.session.save()
    if (await fastify.users.isCurrent(user.id, user.generation)) return record
    await request.session.destroy()
    throw new InvalidCredentials()
  })

  fastify.decorate('clearSessionCookie', (reply: FastifyReply) => reply.clearCookie(cookieName, cookieOptions))
}, { name: 'authpair-session-cookie', dependencies: ['@fastify/cookie', 'authpair-users'] })
