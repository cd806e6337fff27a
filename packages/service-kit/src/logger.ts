import type { FastifyServerOptions } from 'fastify'
import { stdSerializers, type DestinationStream } from 'pino'

/**
 * Fields whose values never reach a log line: credentials in a logged object or a child logger's bindings
 * (`{ password }`, pino's serializers by key), or in any object at a logged object's top level
 * (`{ body: { password } }`, `{ headers: { authorization } }`, `redactSecrets`). Requests and answers are logged
 * through Fastify's serializers, which keep no headers and no body.
 */
export const SECRET_FIELDS: readonly string[] = [
  'password', 'currentPassword', 'newPassword', 'refresh_token', 'access_token', 'token', 'csrfToken', 'sessionId',
  'authorization', 'cookie', 'set-cookie', 'x-csrf-token'
]
const secret = new Set(SECRET_FIELDS)
const CENSOR = '[redacted]'
const censor = () => CENSOR

const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const prototype = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}

/**
 * A log line's object with the secret fields of its top-level objects censored; the object itself when they
 * hold none, which costs a few key lookups. With pino's serializers for the top-level fields, it replaces
 * pino's `redact`, whose redactor parsed every path again on every line and every child logger: at `info`,
 * more instructions than Fastify's whole request (docs/bench.md).
 */
export function redactSecrets (object: Record<string, unknown>): Record<string, unknown> {
  let result = object
  for (const key in object) {
    const value = object[key]
    if (!isPlainObject(value)) continue
    let copy: Record<string, unknown> | undefined
    for (const field in value) {
      if (secret.has(field)) (copy ??= { ...value })[field] = CENSOR
    }
    if (copy === undefined) continue
    if (result === object) result = { ...object }
    result[key] = copy
  }
  return result
}

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
 * Pino options for a service: request ids in every line, redaction of credentials, pretty output when asked
 * for (`pnpm start` asks) or, by default, when a person is watching a terminal.
 */
export function loggerOptions (
  level: string, stream?: DestinationStream, service?: string, format: 'auto' | 'pretty' | 'json' = 'auto'
): FastifyServerOptions['logger'] & object {
  const base = {
    level,
    // Every line names its service: `pnpm start` interleaves both services' logs in one terminal.
    base: { service, pid: process.pid },
    formatters: { log: redactSecrets },
    serializers: { err: serializeError, ...Object.fromEntries(SECRET_FIELDS.map((field) => [field, censor])) }
  }
  if (stream !== undefined) return { ...base, stream }
  if (format === 'pretty' || (format === 'auto' && process.stdout.isTTY)) {
    return { ...base, transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } } }
  }
  return base
}
