export { createRedisClient, describeRedisTarget, type RedisClient, type RedisConfig } from './client.js'
export { connectRedis, RedisUnreachableError } from './connect.js'
export { isStoreUnavailable, StoreUnavailableError } from './errors.js'
export { redisPlugin } from './plugin.js'
