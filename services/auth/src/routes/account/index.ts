import { denylistCheck } from '@authpair/revocation'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { InvalidAccessToken, InvalidCredentials, SamePassword } from '../../errors.js'
import type { Account } from '../../lib/accounts.js'
import { bearerToken } from '../../lib/bearer.js'
import type { LoginAttempt } from '../../plugins/login-limits.js'
import { sessionCookiePlugin, type SessionCookieOptions } from '../../plugins/session-cookie.js'
import { CsrfHeader } from '../../schemas/sessions.js'
import { TokenPair } from '../../schemas/tokens.js'
import { ChangePasswordBody, DeleteAccountBody, PasswordChangedReply } from '../../schemas/users.js'

const Err = Type.Ref('ErrorBody')

/** Who is asking: a session (its CSRF token checked) or a Bearer access token (checked against every revocation). */
interface Caller {
  via: 'session' | 'bearer'
  userId: string
  email: string
}

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller
  }
}

const credentials = {
  security: [{ session: [] }, { bearer: [] }] as Array<Record<string, string[]>>,
  headers: CsrfHeader
}

/**
 * The signed-in user's own account: change the password, delete the account. Both confirm the password
 * like a login does (same hashing gate, same failure counters), then end every credential the account has.
 */
const accountRoutes: FastifyPluginAsyncTypebox<SessionCookieOptions> = async (fastify, options) => {
  await fastify.register(sessionCookiePlugin, options)
  // Whatever mode the profile service runs in, the auth service never takes a revoked token for its account.
  const revocation = denylistCheck(fastify.redis)

  fastify.decorateRequest('caller', null as unknown as Caller)

  /** preHandler: an Authorization header, when sent, is the only credential that counts; else session and CSRF. */
  async function identify (request: FastifyRequest): Promise<void> {
    const header = request.headers.authorization
    if (header !== undefined) {
      const token = bearerToken(header)
      const claims = token === undefined ? null : await fastify.verifyAccessToken(token)
      if (claims === null || await revocation.isRevoked(claims)) throw new InvalidAccessToken()
      request.caller = { via: 'bearer', userId: claims.sub, email: claims.email }
      return
    }
    await fastify.requireSession(request)
    await fastify.requireCsrf(request)
    request.caller = { via: 'session', userId: request.session.userId as string, email: request.session.email as string }
  }

  /** The caller's account once `password` is confirmed: limited, hashed and counted like a login. */
  async function confirmPassword (
    request: FastifyRequest, password: string
  ): Promise<{ account: Account, attempt: LoginAttempt }> {
    const { userId, email } = request.caller
    const attempt = await fastify.passwordAttempts.begin(request, email)
    const check = async () => await fastify.users.checkPassword(userId, password, attempt)
    const account = await fastify.passwordAttempts.judge(attempt, check)
    return { account, attempt }
  }

  fastify.put('/v1/users/me/password', {
    preHandler: identify,
    schema: {
      tags: ['users'],
      summary: 'Change your password: every other session, refresh-token family, older access token and device cookie ends',
      ...credentials,
      body: ChangePasswordBody,
      response: { 200: PasswordChangedReply, 201: TokenPair, 400: Err, 401: Err, 403: Err, 429: Err, 503: Err }
    }
  }, async function onChangePassword (request, reply) {
    const { currentPassword, newPassword } = request.body
    if (newPassword === currentPassword) throw new SamePassword()
    const { account, attempt } = await confirmPassword(request, currentPassword)
    const changed = await fastify.users.changePassword(account, newPassword, attempt)
    if (changed === null) throw new InvalidCredentials() // changed by another request since it was checked

    // The generation moved first: a login that checked the old password and finishes after this gives up
    // what it created (see startSession, issueTokenPair); whatever was created before is ended here.
    await fastify.logoutEverywhere(account.id)
    await fastify.deviceCookie.revokeAll(account.email)
    await fastify.appendAccountEvent('password-changed', account.id)
    request.log.info({ userId: account.id, via: request.caller.via }, 'password changed: every other credential ended')
    await fastify.deviceCookie.issue(reply, account.email, null) // this device stays the owner's

    if (request.caller.via === 'bearer') return await reply.code(201).send(await fastify.issueTokenPair(changed))
    const record = await fastify.startSession(request, changed)
    return await reply.code(200).send({ csrfToken: record.csrfToken })
  })

  fastify.delete('/v1/users/me', {
    preHandler: identify,
    schema: {
      tags: ['users'],
      summary: 'Delete your account: the user, its email, sessions, refresh-token families and device cookies go',
      ...credentials,
      body: DeleteAccountBody,
      response: { 204: Type.Null(), 400: Err, 401: Err, 403: Err, 429: Err, 503: Err }
    }
  }, async function onDeleteAccount (request, reply) {
    const { account } = await confirmPassword(request, request.body.password)
    // Told before the data goes: a failure in between leaves an account that still exists (the request can
    // be repeated), never a deleted one whose copies in other services are never told.
    await fastify.appendAccountEvent('user-deleted', account.id)
    if (!await fastify.users.deleteAccount(account)) throw new InvalidCredentials() // its password changed meanwhile
    await fastify.logoutEverywhere(account.id, { erase: true })
    await fastify.deviceCookie.forget(account.email)
    request.log.info({ userId: account.id, via: request.caller.via }, 'account deleted')

    if (request.caller.via === 'session') {
      await request.session.destroy()
      fastify.clearSessionCookie(reply)
    }
    fastify.deviceCookie.clear(reply)
    return await reply.code(204).send(null)
  })
}

export default accountRoutes
