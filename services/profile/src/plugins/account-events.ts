import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import { AccountEventConsumer, type Backlog, type Outcome } from '@authpair/account-events'
import fp from 'fastify-plugin'
import { Counter, Gauge } from 'prom-client'

export interface AccountEventsOptions {
  pollMs: number
  claimIdleMs: number
}

/** Deliveries of one entry before it is given up (acknowledged and logged as an error). */
const MAX_DELIVERIES = 5

/**
 * Applies the auth service's account events to this service's data: a deleted user's profile goes. Every
 * replica reads in the consumer group `profile`, so each event is applied by one of them (again, harmlessly,
 * if one dies between applying and acknowledging). Exported: how far behind the group is, and what became of
 * each entry.
 */
export const accountEventsPlugin = fp<AccountEventsOptions>(async (fastify, { pollMs, claimIdleMs }) => {
  const outcomes = new Counter({
    name: 'authpair_account_events_total',
    help: 'Account events read from the stream, by outcome (applied, poison, failed, given-up)',
    labelNames: ['outcome'] as const,
    registers: [fastify.metrics]
  })
  const consumer = new AccountEventConsumer(fastify.redis, {
    group: 'profile',
    consumer: `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`,
    pollMs,
    claimIdleMs,
    maxDeliveries: MAX_DELIVERIES,
    log: fastify.log,
    onOutcome: (outcome: Outcome) => { outcomes.inc({ outcome }) },
    handle: async (event) => {
      if (event.type === 'user-deleted') await fastify.profiles.remove(event.userId)
    }
  })

  // Read at scrape time, once: prom-client collects both gauges together, and they share the read in flight.
  // Redis down: the gauges keep their last value.
  let reading: Promise<Backlog | null> | undefined
  const backlog = async () =>
    await (reading ??= consumer.backlog().catch(() => null).finally(() => { reading = undefined }))
  const backlogGauge = (name: string, help: string, value: (backlog: Backlog) => number) => new Gauge({
    name,
    help,
    registers: [fastify.metrics],
    async collect () {
      const now = await backlog()
      if (now !== null) this.set(value(now))
    }
  })
  backlogGauge('authpair_account_events_lag',
    'Account events appended that this service has not read yet (-1: unknown, the group fell behind the trimmed stream)',
    (now) => now.lag ?? -1)
  backlogGauge('authpair_account_events_pending',
    'Account events read but not acknowledged yet (being applied, or waiting for a retry)',
    (now) => now.pending)

  fastify.addHook('onReady', async () => { consumer.start() })
  fastify.addHook('preClose', async () => { await consumer.stop() })
}, { name: 'authpair-account-events', dependencies: ['authpair-redis', 'authpair-profiles'] })
