export { defineError, errorContractPlugin, retryAfter, ErrorBody, type ContractCode } from './errors.js'
export { loggerOptions, SECRET_FIELDS, serializeError } from './logger.js'
export { DisplayName, DisplayText } from './text.js'
export { metricsPlugin } from './metrics.js'
export { healthPlugin } from './health.js'
export { docsPlugin } from './docs.js'
export { opsPlugin, type OpsOptions } from './ops.js'
export { serverOptions } from './server-options.js'
export { buildService, type ServiceSpec } from './service.js'
export { runService, startServer } from './server.js'
// Types the services use through this package: the Redis decoration (`fastify.redis`), the docs schema
// option (`hide`), the per-route security headers' policy and the coded-error constructor. Re-exported so that a
// service compiled on its own (`pnpm build`) sees them without depending on those packages itself.
export type { RedisClient } from '@authpair/redis'
export type { FastifyDynamicSwaggerOptions } from '@fastify/swagger'
export type { FastifyErrorConstructor } from '@fastify/error'
export type { HelmetOptions } from 'helmet'
export { helmetHeaders } from './security-headers.js'
