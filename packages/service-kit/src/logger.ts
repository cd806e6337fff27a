import type { FastifyServerOptions } from 'fastify'
import { stdSerializers, type DestinationStream } from 'pino'

/** Credentials never reach a log line, wherever they appear in a logged object. */
export const REDACTED_PATHS = [
  'req.headers.authorization', 'req.headers.cookie', 'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]', 'headers.authorization', 'headers.cookie',
  '*.password', '*.refresh_token', '*.access_token', '*.token', '*.csrfToken', '*.sessionId',
  'body.password', 'body.refresh_token'
]

type SerializedError = { type: string, message: string, stack: string, [key: string]: unknown }

/**
 * Errors as pino serializes them, less what a store client attaches: ioredis puts the failed command on its
 * errors (`command: { name, args }`), and the arguments are session ids, session records with their CSRF
 * token, password hashes, profile fields. Only the command's name is kept, at every depth: causes, a
 * transaction's `previousErrors`, anything nested.
 */
export function serializeError (error: Error): SerializedError {
  const serialized = stdSerializers.err(error) as unknown as SerializedError
  const strip = (value: unknown, depth: number): void => {
    if (typeof value !== 'object' || value === null || depth > 8) return
    const record = value as Record<string, unknown> & { command?: { name?: unknown } }
    if (typeof record.command === 'object' && record.command !== null) record.command = { name: record.command.name }
    if ('args' in record) delete record.args
    for (const nested of Object.values(record)) strip(nested, depth + 1)
  }
  strip(serialized, 0)
  return serialized
}

/**
 * Pino options for a service: request ids in every line, redaction of credentials, pretty output only
 * when a person is watching a terminal.
 */
export function loggerOptions (
  level: string, stream?: DestinationStream, service?: string
): FastifyServerOptions['logger'] & object {
  const base = {
    level,
    // Every line names its service: `pnpm start` interleaves both services' logs in one terminal.
    base: { service, pid: process.pid },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: { err: serializeError }
  }
  if (stream !== undefined) return { ...base, stream }
  if (process.stdout.isTTY) {
    return { ...base, transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } } }
  }
  return base
}
