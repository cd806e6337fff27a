import fp from 'fastify-plugin'
import { createRedisClient, describeRedisTarget, type RedisClient, type RedisConfig } from './client.js'
import { connectRedis } from './connect.js'
import { ConnectionWatch } from './connection-watch.js'

declare module 'fastify' {
  interface FastifyInstance {
    redis: RedisClient
  }
}

export interface RedisPluginOptions {
  config: RedisConfig
  /** Shown in CLIENT LIST, so the Redis operator can tell who is connected. */
  name: string
  connectWaitMs?: number
}

/**
 * Decorates `fastify.redis`. Boot waits until Redis answers (or fails with one clear line); afterwards a
 * lost connection is logged once per outage and retried forever, and close quits the connection.
 */
export const redisPlugin = fp<RedisPluginOptions>(async (fastify, { config, name, connectWaitMs }) => {
  const target = describeRedisTarget(config)
  const client = createRedisClient(config, name)
  await connectRedis(client, target, connectWaitMs)

  let healthy = true
  client.on('error', (error: Error) => {
    if (healthy) fastify.log.error({ err: error, target }, 'lost the Redis connection; retrying')
    healthy = false
  })
  client.on('ready', () => {
    if (!healthy) fastify.log.info({ target }, 'Redis connection restored')
    healthy = true
  })

  // A connection that goes silent (socket open, nothing delivered) raises no error: every command would
  // time out, for ever. A PING that goes unanswered reconnects it (Cluster nodes are left to ioredis).
  const watch = client.isCluster
    ? undefined
    : new ConnectionWatch(async () => { if (client.status === 'ready') await client.ping() }, {
      intervalMs: 1000,
      deadlineMs: Math.max(1000, config.REDIS_COMMAND_TIMEOUT_MS * 2),
      onLost: (error) => {
        if (client.status !== 'ready') return // already reconnecting
        fastify.log.warn({ err: error, target }, 'the Redis connection stopped answering; reconnecting')
        client.disconnect(true)
      }
    })
  watch?.start()

  fastify.decorate<RedisClient>('redis', client)
  fastify.addHook('onClose', async () => {
    watch?.stop()
    await client.quit().catch(() => client.disconnect())
  })
}, { name: 'authpair-redis', fastify: '5.x' })
