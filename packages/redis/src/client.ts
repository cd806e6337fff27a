import { Cluster, Redis, type RedisOptions } from 'ioredis'

export type RedisClient = Redis | Cluster

export interface RedisConfig {
  REDIS_URL: string
  REDIS_CLUSTER_NODES?: string | undefined
  REDIS_SENTINELS?: string | undefined
  REDIS_SENTINEL_NAME?: string | undefined
  REDIS_PASSWORD?: string | undefined
  REDIS_KEY_PREFIX: string
  REDIS_COMMAND_TIMEOUT_MS: number
  REDIS_AUTO_PIPELINING?: boolean
}

function parseNodes (list: string): Array<{ host: string, port: number }> {
  return list.split(',').map((node) => {
    const at = node.lastIndexOf(':')
    return { host: node.slice(0, at), port: Number(node.slice(at + 1)) }
  })
}

/**
 * Options that make Redis failures fast and bounded rather than queued: no offline queue (a command
 * sent while disconnected fails at once), a timeout on every command (a paused Redis cannot hang a
 * request), and reconnection forever with a capped backoff (recovery needs no restart).
 */
function failFastOptions (config: RedisConfig): RedisOptions {
  return {
    lazyConnect: true,
    enableOfflineQueue: false,
    commandTimeout: config.REDIS_COMMAND_TIMEOUT_MS,
    connectTimeout: Math.max(1000, config.REDIS_COMMAND_TIMEOUT_MS * 4),
    maxRetriesPerRequest: 0,
    // Commands issued while a batch is in flight leave together in one write: fewer syscalls per
    // request, but ioredis keeps one batch in flight, so a command may wait up to one round trip.
    enableAutoPipelining: config.REDIS_AUTO_PIPELINING ?? true,
    retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 1000),
    keyPrefix: config.REDIS_KEY_PREFIX,
    ...(config.REDIS_PASSWORD === undefined ? {} : { password: config.REDIS_PASSWORD })
  }
}

/** One client, standalone, Sentinel or Cluster as configured; not connected yet (see connectRedis). */
export function createRedisClient (config: RedisConfig, name = 'authpair'): RedisClient {
  const options = { ...failFastOptions(config), connectionName: name }
  if (config.REDIS_CLUSTER_NODES !== undefined) {
    const { keyPrefix, lazyConnect, enableOfflineQueue, ...redisOptions } = options
    return new Cluster(parseNodes(config.REDIS_CLUSTER_NODES), {
      keyPrefix,
      lazyConnect,
      enableOfflineQueue,
      redisOptions,
      clusterRetryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 1000)
    })
  }
  if (config.REDIS_SENTINELS !== undefined) {
    return new Redis({
      ...options,
      sentinels: parseNodes(config.REDIS_SENTINELS),
      ...(config.REDIS_PASSWORD === undefined ? {} : { sentinelPassword: config.REDIS_PASSWORD }),
      name: config.REDIS_SENTINEL_NAME ?? 'mymaster'
    })
  }
  return new Redis(config.REDIS_URL, options)
}

/** Where the client points, for log lines and errors: never includes a password. */
export function describeRedisTarget (config: RedisConfig): string {
  if (config.REDIS_CLUSTER_NODES !== undefined) return `Redis Cluster ${config.REDIS_CLUSTER_NODES}`
  if (config.REDIS_SENTINELS !== undefined) {
    return `Redis Sentinel ${config.REDIS_SENTINELS} (master ${config.REDIS_SENTINEL_NAME ?? 'mymaster'})`
  }
  const url = new URL(config.REDIS_URL)
  url.username = ''
  url.password = ''
  return url.toString().replace(/\/$/, '')
}
