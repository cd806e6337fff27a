import type { IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import type { FastifyServerOptions } from 'fastify'
import type { TrustProxy } from '@authpair/config'
import type { DestinationStream } from 'pino'
import { loggerOptions } from './logger.js'

export interface ServerOptionsInput {
  /** Names log lines and request ids (`auth-1a`), so two services' logs never share an id. */
  service?: string
  logLevel: string
  /** pretty, json, or auto (pretty when a terminal watches). */
  logFormat?: 'auto' | 'pretty' | 'json'
  /** Where logs go instead of stdout (tests capture them). */
  logStream?: DestinationStream | undefined
  bodyLimit: number
  trustProxy?: TrustProxy
}

/** Fastify options both services share: strict validation, bounded bodies and requests, redacted logs. */
export function serverOptions (
  { service, logLevel, logFormat = 'auto', logStream, bodyLimit, trustProxy = false }: ServerOptionsInput
): FastifyServerOptions {
  let requests = 0
  return {
    logger: loggerOptions(logLevel, logStream, service, logFormat),
    genReqId: () => `${service ?? 'req'}-${(++requests).toString(36)}`,
    bodyLimit,
    // A hop count as the function Fastify compiles it to (its types take no number): trust the nearest n hops.
    trustProxy: typeof trustProxy === 'number' ? (_address: string, hop: number) => hop < trustProxy : trustProxy,
    // A request that arrives while the service is closing is still served (its answer carries
    // Connection: close, see drain.ts), not turned away with a 503.
    return503OnClosing: false,
    // A slow or stalled client cannot hold a connection for ever.
    requestTimeout: 30_000,
    connectionTimeout: 30_000,
    clientErrorHandler: answerClientError,
    ajv: {
      customOptions: {
        // `"password": 123` is a wrong type, answered 400, not silently turned into "123".
        coerceTypes: false,
        // A field the schema does not know is a 400, never silently dropped: `{"admin": true}` is refused.
        removeAdditional: false,
        allErrors: false
      }
    }
  }
}

const CLIENT_ERRORS: Record<string, [number, string, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large', 'Request headers too large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout', 'Request not received in time']
}

/**
 * A request Node's HTTP parser rejects (bad bytes, oversized headers) never reaches Fastify's error
 * handler; it still gets the contract's JSON error body, and the connection is closed.
 */
function answerClientError (error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET') return
  const [status, reason, message] = CLIENT_ERRORS[error.code ?? ''] ?? [400, 'Bad Request', 'Malformed HTTP request']
  answerRaw(socket, status, reason, { error: 'invalid_request', message })
}

/**
 * CONNECT requests go to the server's 'connect' event, not to Fastify: without a listener Node drops
 * the connection. There is no route for them; they get the JSON 404 every unknown route gets.
 */
export function refuseConnect (request: IncomingMessage, socket: Duplex): void {
  answerRaw(socket, 404, 'Not Found', { error: 'not_found', message: `No route for CONNECT ${(request.url ?? '').slice(0, 200)}` })
}

function answerRaw (socket: Duplex, status: number, reason: string, body: { error: string, message: string }): void {
  if (socket.destroyed || !socket.writable) return
  const json = JSON.stringify(body)
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`)
}
