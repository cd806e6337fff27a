import t from 'tap'
import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { Redis } from 'ioredis'
import { deletePrefix, SHARED_REDIS_URL, uniquePrefix } from '@authpair/testing'
import {
  accountEventsKey, AccountEventConsumer, appendAccountEvent,
  type AccountEvent, type AccountEventConsumerOptions, type Outcome
} from '../src/index.js'

// Every test on the real Redis, with a key prefix of its own (the stream and its groups live under it).
function setup (t: Tap) {
  const prefix = uniquePrefix('events')
  const redis = new Redis(SHARED_REDIS_URL, { keyPrefix: prefix })
  const consumers: AccountEventConsumer[] = []
  t.teardown(async () => {
    for (const consumer of consumers) await consumer.stop()
    await redis.quit()
    await deletePrefix(SHARED_REDIS_URL, prefix)
  })
  const warnings: string[] = []
  const note = (_: object, message: string) => { warnings.push(message) }
  const log = { warn: note, error: note }
  function consumer (
    name: string, handle: (event: AccountEvent) => Promise<void>, options: Partial<AccountEventConsumerOptions> = {}
  ) {
    const outcomes: Outcome[] = []
    const started = new AccountEventConsumer(redis, {
      group: 'profile',
      consumer: name,
      handle,
      pollMs: 20,
      claimIdleMs: 200,
      maxDeliveries: 3,
      log,
      onOutcome: (outcome) => outcomes.push(outcome),
      ...options
    })
    consumers.push(started)
    started.start()
    return Object.assign(started, { outcomes })
  }
  return { redis, consumer, warnings, prefix }
}
interface Tap { teardown: (fn: () => unknown) => void }

const deleted = (userId = randomUUID()): AccountEvent => ({ type: 'user-deleted', userId, at: new Date().toISOString() })

async function until (check: () => boolean | Promise<boolean>, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms
  while (!await check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(20)
  }
}

t.test('events appended before the group existed are applied, once each, and acknowledged', async (t) => {
  const { redis, consumer } = setup(t)
  const events = [deleted(), deleted(), deleted()]
  for (const event of events) await appendAccountEvent(redis, event, 1000)
  const seen: string[] = []
  const reader = consumer('a', async (event) => { seen.push(event.userId) })
  await until(() => seen.length === 3, 'three events')
  t.same(seen, events.map((event) => event.userId), 'in order')
  await until(async () => (await reader.backlog()).pending === 0, 'acknowledgements')
  t.same(await reader.backlog(), { lag: 0, pending: 0 }, 'nothing left behind')
})

t.test('two replicas in one group share the stream: each event applied by one of them', async (t) => {
  const { redis, consumer } = setup(t)
  const seen: string[] = []
  const handle = async (event: AccountEvent) => { seen.push(event.userId) }
  const one = consumer('one', handle)
  const two = consumer('two', handle)
  const events = Array.from({ length: 40 }, () => deleted())
  for (const event of events) await appendAccountEvent(redis, event, 1000)
  await until(() => seen.length >= 40, 'forty events')
  await sleep(100)
  t.equal(seen.length, 40, 'no event applied twice')
  t.same(new Set(seen).size, 40)
  t.ok(one.outcomes.length + two.outcomes.length === 40)
})

t.test('an entry that is not an event is skipped and acknowledged: the ones behind it are applied', async (t) => {
  const { redis, consumer, warnings } = setup(t)
  await redis.xadd(accountEventsKey, '*', 'type', 'user-deleted') // no userId
  await redis.xadd(accountEventsKey, '*', 'garbage', '1')
  const event = deleted()
  await appendAccountEvent(redis, event, 1000)
  const seen: string[] = []
  const reader = consumer('a', async (applied) => { seen.push(applied.userId) })
  await until(() => seen.length === 1, 'the good event')
  t.same(seen, [event.userId])
  t.same(reader.outcomes, ['poison', 'poison', 'applied'])
  t.ok(warnings.some((line) => line.includes('not an account event')), 'and it is logged')
  t.equal((await reader.backlog()).pending, 0)
})

t.test('an entry a dead consumer read and never acknowledged is claimed once idle', async (t) => {
  const { redis, consumer, prefix } = setup(t)
  await redis.xgroup('CREATE', `${prefix}${accountEventsKey}`, 'profile', '0', 'MKSTREAM')
  const event = deleted()
  await appendAccountEvent(redis, event, 1000)
  // A replica that reads the entry and dies before acknowledging it.
  await redis.xreadgroup('GROUP', 'profile', 'dead', 'COUNT', 10, 'STREAMS', accountEventsKey, '>')
  const seen: string[] = []
  const startedAt = Date.now()
  consumer('alive', async (applied) => { seen.push(applied.userId) })
  await until(() => seen.length === 1, 'the claimed event')
  t.same(seen, [event.userId])
  t.ok(Date.now() - startedAt >= 150, 'not before it was idle claimIdleMs (200 ms)')
})

t.test('a handler that fails is retried; one that keeps failing is given up after maxDeliveries, not for ever', async (t) => {
  const { redis, consumer, warnings } = setup(t)
  let calls = 0
  const flaky = deleted()
  const broken = deleted()
  const applied: string[] = []
  const reader = consumer('a', async (event) => {
    if (event.userId === broken.userId) throw new Error('always')
    if (++calls === 1) throw new Error('once')
    applied.push(event.userId)
  })
  await appendAccountEvent(redis, flaky, 1000)
  await appendAccountEvent(redis, broken, 1000)
  await until(() => applied.length === 1, 'the retry')
  t.same(applied, [flaky.userId], 'the flaky one applied on its retry')
  await until(() => reader.outcomes.includes('given-up'), 'giving up', 8000)
  t.ok(warnings.some((line) => line.includes('giving up')))
  await until(async () => (await reader.backlog()).pending === 0, 'empty pending list')
})

t.test('the stream is trimmed to about the length asked for', async (t) => {
  const { redis } = setup(t)
  for (let i = 0; i < 1000; i++) await appendAccountEvent(redis, deleted(), 100)
  const length = await redis.xlen(accountEventsKey)
  t.ok(length >= 100 && length < 300, `${length} entries kept`)
})

t.test('a consumer that stops with nothing pending leaves the group', async (t) => {
  const { redis, consumer, prefix } = setup(t)
  const reader = consumer('leaving', async () => {})
  await until(async () => (await redis.exists(accountEventsKey)) === 1, 'the group')
  await reader.stop()
  const consumers = await redis.xinfo('CONSUMERS', `${prefix}${accountEventsKey}`, 'profile') as unknown[]
  t.equal(consumers.length, 0)
})
