import type { RedisClient } from './client.js'

export class RedisUnreachableError extends Error {
  constructor (target: string, waitedMs: number) {
    super(`No Redis answered at ${target} within ${waitedMs} ms. Start one (e.g. \`redis-server --port 6379\`, ` +
      'or `docker compose up redis`) or point REDIS_URL at yours.')
    this.name = 'RedisUnreachableError'
  }
}

/** Connects and waits for the first PING; a missing Redis becomes one clear error instead of retry noise. */
export async function connectRedis (client: RedisClient, target: string, waitMs = 5000): Promise<void> {
  const ready = new Promise<void>((resolve) => client.once('ready', resolve))
  // Until the first connection, swallow the client's 'error' events: the timeout below reports the problem once.
  const quiet = (): void => {}
  client.on('error', quiet)
  client.connect().catch(() => {})
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<false>((resolve) => { timer = setTimeout(() => resolve(false), waitMs) })
  try {
    const outcome = await Promise.race([ready.then(() => true), timedOut])
    if (!outcome) {
      client.disconnect()
      throw new RedisUnreachableError(target, waitMs)
    }
    await client.ping()
  } finally {
    clearTimeout(timer)
    client.off('error', quiet)
  }
}
