import { ConfigError, configWarnings, type CommonConfig } from '@authpair/config'
import { RedisUnreachableError } from '@authpair/redis'
import closeWithGrace from 'close-with-grace'
import type { FastifyInstance } from 'fastify'

export interface ListenOptions {
  port: number
  host: string
  shutdownTimeoutMs: number
}

/**
 * The one place that listens. SIGTERM / SIGINT stop accepting connections, let in-flight requests finish
 * (bounded by shutdownTimeoutMs), close Redis through the app's onClose hooks, and exit 0.
 */
export async function startServer (
  app: FastifyInstance, { port, host, shutdownTimeoutMs }: ListenOptions
): Promise<void> {
  closeWithGrace({ delay: shutdownTimeoutMs }, async ({ signal, err }) => {
    if (err !== undefined) app.log.error({ err }, 'closing after an unexpected error')
    else app.log.info({ signal }, 'shutting down: finishing in-flight requests')
    await app.close()
  })
  await app.listen({ port, host })
}

export interface ServiceDefinition<C extends CommonConfig & { PORT: number }> {
  name: string
  loadConfig: () => C
  buildApp: (config: C) => Promise<FastifyInstance>
}

/**
 * A service's whole `server.ts`: load the config, build the app, warn about development settings,
 * listen. Problems an operator can fix (bad config, no Redis) are one readable line and exit 1.
 */
export async function runService<C extends CommonConfig & { PORT: number }> (
  { name, loadConfig, buildApp }: ServiceDefinition<C>
): Promise<void> {
  try {
    const config = loadConfig()
    const app = await buildApp(config)
    for (const warning of configWarnings(config)) app.log.warn(warning)
    await startServer(app, { port: config.PORT, host: config.HOST, shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS })
  } catch (error) {
    if (error instanceof ConfigError || error instanceof RedisUnreachableError) {
      console.error(`${name}: ${error.message}`)
      process.exit(1)
    }
    throw error
  }
}
