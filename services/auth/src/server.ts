import { ConfigError, configWarnings } from '@authpair/config'
import { RedisUnreachableError } from '@authpair/redis'
import { startServer } from '@authpair/service-kit'
import { buildApp } from './app.js'
import { loadAuthConfig } from './config.js'

try {
  const config = loadAuthConfig()
  const app = await buildApp(config)
  for (const warning of configWarnings(config)) app.log.warn(warning)
  await startServer(app, { port: config.PORT, host: config.HOST, shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS })
} catch (error) {
  // Problems an operator can fix get one readable line, not a stack trace.
  if (error instanceof ConfigError || error instanceof RedisUnreachableError) {
    console.error(`auth service: ${error.message}`)
    process.exit(1)
  }
  throw error
}
