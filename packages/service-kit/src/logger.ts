import type { FastifyServerOptions } from 'fastify'
import type { DestinationStream } from 'pino'

/** Credentials never reach a log line, wherever they appear in a logged object. */
export const REDACTED_PATHS = [
  'req.headers.authorization', 'req.headers.cookie', 'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]', 'headers.authorization', 'headers.cookie',
  '*.password', '*.refresh_token', '*.access_token', '*.token', '*.csrfToken', '*.sessionId',
  'body.password', 'body.refresh_token'
]

/**
 * Pino options for a service: request ids in every line, redaction of credentials, pretty output only
 * when a person is watching a terminal.
 */
export function loggerOptions (level: string, stream?: DestinationStream): FastifyServerOptions['logger'] & object {
  const base = { level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }
  if (stream !== undefined) return { ...base, stream }
  if (process.stdout.isTTY) {
    return { ...base, transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } } }
  }
  return base
}
