import t from 'tap'
import { OwnRedis, freePort, uniquePrefix } from '@authpair/testing'
import { connectRedis, createRedisClient, describeRedisTarget, isStoreUnavailable, RedisUnreachableError, type RedisConfig } from '../src/index.js'

const configFor = (url: string): RedisConfig => ({
  REDIS_URL: url, REDIS_KEY_PREFIX: uniquePrefix('redis'), REDIS_COMMAND_TIMEOUT_MS: 300
})

async function timed<T> (work: () => Promise<T>): Promise<{ ms: number, error: unknown }> {
  const started = performance.now()
  try { await work() } catch (error) { return { ms: performance.now() - started, error } }
  return { ms: performance.now() - started, error: undefined }
}

t.test('a missing Redis is one clear error naming the URL, not a stack of retries', async (t) => {
  const port = await freePort()
  const config = configFor(`redis://user:hunter2@127.0.0.1:${port}`)
  const client = createRedisClient(config)
  const error = await connectRedis(client, describeRedisTarget(config), 300).catch((e: unknown) => e)
  t.type(error, RedisUnreachableError)
  t.match((error as Error).message, `redis://127.0.0.1:${port}`)
  t.match((error as Error).message, /redis-server/)
  t.notMatch((error as Error).message, /hunter2/, 'the password is not shown')
})

t.test('commands fail fast while Redis is down, and work again when it returns', async (t) => {
  const redis = await OwnRedis.start()
  t.teardown(() => redis.stop())
  const config = configFor(redis.url)
  const client = createRedisClient(config)
  client.on('error', () => {})
  t.teardown(() => client.disconnect())
  await connectRedis(client, redis.url)
  await client.set('k', 'v')

  await redis.kill()
  const down = await timed(() => client.get('k'))
  t.ok(isStoreUnavailable(down.error), `recognised as unavailable: ${String(down.error)}`)
  t.ok(down.ms < 300, `failed within the command bound (${down.ms.toFixed(0)} ms)`)

  await redis.restart()
  const deadline = Date.now() + 5000
  while (client.status !== 'ready' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
  t.equal(await client.ping(), 'PONG', 'reconnected by itself')
})

t.test('a paused Redis (connection open, no answers) times out within the bound', async (t) => {
  const redis = await OwnRedis.start()
  t.teardown(() => redis.stop())
  const client = createRedisClient(configFor(redis.url))
  client.on('error', () => {})
  t.teardown(() => client.disconnect())
  await connectRedis(client, redis.url)

  redis.pause()
  const paused = await timed(() => client.get('k'))
  redis.resume()
  t.ok(isStoreUnavailable(paused.error), `recognised as unavailable: ${String(paused.error)}`)
  t.ok(paused.ms >= 250 && paused.ms < 1000, `answered after about the 300 ms bound (${paused.ms.toFixed(0)} ms)`)
})

t.test('errors that are not about reachability are not mistaken for an outage', async (t) => {
  t.notOk(isStoreUnavailable(new Error('WRONGTYPE Operation against a key holding the wrong kind of value')))
  t.notOk(isStoreUnavailable(new TypeError('x is undefined')))
  t.notOk(isStoreUnavailable('Command timed out'), 'only errors count')
})
