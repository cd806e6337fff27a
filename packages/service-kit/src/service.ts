import { trustProxySetting, type CommonConfig } from '@authpair/config'
import { isStoreUnavailable, redisPlugin } from '@authpair/redis'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyInstance } from 'fastify'
import type { DestinationStream } from 'pino'
import type { DocsOptions } from './docs.js'
import type { DependencyStates } from './health.js'
import { opsPlugin } from './ops.js'
import { refuseConnect, serverOptions } from './server-options.js'

export interface ServiceSpec {
  /** `auth` or `profile`: the metrics label and the Redis client name. */
  service: string
  docs: DocsOptions
  bodyLimit: number
  /** Dependencies besides Redis, for /readyz (e.g. the profile's signing keys). */
  dependencies?: () => DependencyStates
  /** When the service is ready; default: every dependency, Redis included, answers. */
  readyWhen?: (states: DependencyStates) => boolean
  /** Send logs here instead of stdout (tests read them). */
  logStream?: DestinationStream | undefined
}

/**
 * What every service app is before its own routes: Fastify with the shared options, connected to Redis,
 * with the operations surface (errors, headers, metrics, health on a Redis PING, docs). `register` adds the
 * service's own plugins; the app is returned ready, or closed if anything failed, so a half-built app never
 * keeps its Redis connection open.
 */
export async function buildService (
  config: CommonConfig, spec: ServiceSpec, register: (app: FastifyInstance) => Promise<void>
): Promise<FastifyInstance> {
  const app = Fastify(serverOptions({
    service: spec.service,
    logLevel: config.LOG_LEVEL,
    logFormat: config.LOG_FORMAT,
    logStream: spec.logStream,
    bodyLimit: spec.bodyLimit,
    trustProxy: trustProxySetting(config.TRUST_PROXY) ?? false // loadConfig refused anything else
  })).withTypeProvider<TypeBoxTypeProvider>()
  app.server.on('connect', refuseConnect)
  try {
    await app.register(redisPlugin, { config, name: `authpair-${spec.service}` })
    await app.register(opsPlugin, {
      service: spec.service,
      isStoreUnavailable,
      dependencies: async () => ({
        redis: await app.redis.ping().then(() => true, () => false),
        ...spec.dependencies?.()
      }),
      readyWhen: spec.readyWhen,
      docs: spec.docs
    })
    await register(app)
    await app.ready()
  } catch (error) {
    await app.close()
    throw error
  }
  return app
}
