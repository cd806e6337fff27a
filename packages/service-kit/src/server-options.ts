import type { FastifyServerOptions } from 'fastify'
import type { DestinationStream } from 'pino'
import { loggerOptions } from './logger.js'

export interface ServerOptionsInput {
  logLevel: string
  /** Where logs go instead of stdout (tests capture them). */
  logStream?: DestinationStream | undefined
  bodyLimit: number
  trustProxy?: boolean
}

/** Fastify options both services share: strict validation, bounded bodies and requests, redacted logs. */
export function serverOptions ({ logLevel, logStream, bodyLimit, trustProxy = false }: ServerOptionsInput): FastifyServerOptions {
  return {
    logger: loggerOptions(logLevel, logStream),
    bodyLimit,
    trustProxy,
    // A slow or stalled client cannot hold a connection for ever.
    requestTimeout: 30_000,
    connectionTimeout: 30_000,
    ajv: {
      customOptions: {
        // `"password": 123` is a wrong type, answered 400, not silently turned into "123".
        coerceTypes: false,
        removeAdditional: true,
        allErrors: false
      }
    }
  }
}
