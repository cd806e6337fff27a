import type { OutgoingHttpHeaders } from 'node:http'
import createError, { type FastifyErrorConstructor } from '@fastify/error'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { Type } from 'typebox'

/** The machine codes of the HTTP contract (docs/api.md). */
export type ContractCode =
  | 'invalid_request' | 'invalid_credentials' | 'invalid_grant' | 'unauthorized' | 'csrf_failed'
  | 'not_found' | 'email_taken' | 'payload_too_large' | 'rate_limited' | 'store_unavailable' | 'overloaded'
  | 'internal_error'

/** Every error answer of both services has this body. */
export const ErrorBody = Type.Object({
  error: Type.String({ description: 'machine code, e.g. invalid_request' }),
  message: Type.String({ description: 'human text' })
}, { $id: 'ErrorBody' })

const contractCodeOf = new WeakMap<object, ContractCode>()
const retryAfterOf = new WeakMap<object, number>()

/** Marks an answer that says when to come back (429 rate_limited, 503 overloaded): sent as `Retry-After`. */
export function retryAfter<E extends Error> (error: E, seconds: number): E {
  retryAfterOf.set(error, seconds)
  return error
}

/**
 * A coded error class (`AUTH_INVALID_CREDENTIALS`, …) that the error handler answers with its status and
 * contract code. The message is fixed per class, so no caller can leak detail into a response by accident.
 */
export function defineError (
  code: string, contractCode: ContractCode, statusCode: number, message: string
): FastifyErrorConstructor {
  const ErrorClass = createError(code, message, statusCode)
  contractCodeOf.set(ErrorClass.prototype, contractCode)
  return ErrorClass
}

// Fastify's own errors for bad input, with the contract's answer for each.
const FASTIFY_CODES: Record<string, [number, ContractCode]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'payload_too_large'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [400, 'invalid_request'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'invalid_request'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'invalid_request'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'invalid_request'],
  FST_ERR_VALIDATION: [400, 'invalid_request'],
  FST_ERR_RATE_LIMIT: [429, 'rate_limited'],
  FST_ERR_BAD_URL: [400, 'invalid_request'],
  FST_ERR_ASYNC_CONSTRAINT: [400, 'invalid_request']
}

const STATUS_CODES: Record<number, ContractCode> = {
  400: 'invalid_request', 401: 'unauthorized', 403: 'csrf_failed', 404: 'not_found', 413: 'payload_too_large', 429: 'rate_limited'
}

export interface ErrorContractOptions {
  /** Recognises errors that mean the store is unreachable; they become 503 store_unavailable. */
  isStoreUnavailable: (error: unknown) => boolean
}

function answer (error: FastifyError, isStoreUnavailable: (error: unknown) => boolean): [number, ContractCode, string] {
  const coded = contractCodeOf.get(Object.getPrototypeOf(error))
  if (coded !== undefined) return [error.statusCode ?? 500, coded, error.message]
  if (isStoreUnavailable(error)) return [503, 'store_unavailable', 'The session and token store is unavailable; try again shortly']
  const known = FASTIFY_CODES[error.code]
  if (known !== undefined) return [known[0], known[1], error.message]
  // A plugin's own 503 (e.g. @authpair/verify before any signing key is known): a dependency is unavailable.
  if (error.statusCode === 503) return [503, 'store_unavailable', error.message]
  // A JSON syntax error from the body parser, or another 4xx raised by a plugin.
  const status = error.statusCode ?? 500
  if (status >= 400 && status < 500) return [status, STATUS_CODES[status] ?? 'invalid_request', error.message]
  return [500, 'internal_error', 'Internal server error']
}

/**
 * A store failure is answered without running the onSend hooks again: one of them may be what failed
 * (@fastify/session saves the session as the answer goes out), and a second failure there would replace
 * this answer with Fastify's fallback body, Redis's own message in it. The headers set so far (security
 * headers, Retry-After) go out as they are.
 */
function answerPastTheHooks (reply: FastifyReply, status: number, body: { error: ContractCode, message: string }) {
  const json = JSON.stringify(body)
  reply.hijack()
  reply.raw.writeHead(status, {
    ...reply.getHeaders() as OutgoingHttpHeaders,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(json),
    'cache-control': 'no-store'
  })
  reply.raw.end(json)
}

/**
 * One error handler and one not-found handler per service: every failure is `{error, message}` with the
 * contract's status; 5xx details stay in the log (with the request id), never in the body.
 */
export const errorContractPlugin = fp<ErrorContractOptions>(async (
  fastify: FastifyInstance, { isStoreUnavailable }
) => {
  fastify.addSchema(ErrorBody)
  fastify.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const [status, code, message] = answer(error, isStoreUnavailable)
    if (status >= 500) request.log.error({ err: error }, 'request failed')
    else if (status !== 401 && status !== 404) request.log.info({ code, status, reason: error.message }, 'request refused')
    // An error that knows when to come back says so (429 rate_limited, 503 overloaded). A 401's challenge
    // (WWW-Authenticate) is set on the reply by whoever refused.
    const seconds = retryAfterOf.get(error)
    if (seconds !== undefined && reply.getHeader('retry-after') === undefined) reply.header('retry-after', seconds)
    if (code === 'store_unavailable') return answerPastTheHooks(reply, status, { error: code, message })
    return reply.code(status).type('application/json; charset=utf-8').send({ error: code, message })
  })
  fastify.setNotFoundHandler((request, reply) => {
    return reply.code(404).send({ error: 'not_found', message: `No route for ${request.method} ${request.url.split('?')[0]}` })
  })
}, { name: 'authpair-error-contract', fastify: '5.x' })
