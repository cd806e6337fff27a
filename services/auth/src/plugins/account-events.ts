import { appendAccountEvent, type AccountEvent } from '@authpair/account-events'
import fp from 'fastify-plugin'

declare module 'fastify' {
  interface FastifyInstance {
    /** Appends an event about the user's account to the stream the other services consume. */
    appendAccountEvent: (type: AccountEvent['type'], userId: string) => Promise<void>
  }
}

export const accountEventsPlugin = fp<{ maxLength: number }>(async (fastify, { maxLength }) => {
  fastify.decorate('appendAccountEvent', async (type: AccountEvent['type'], userId: string) => {
    await appendAccountEvent(fastify.redis, { type, userId, at: new Date().toISOString() }, maxLength)
  })
}, { name: 'authpair-account-events', dependencies: ['authpair-redis'] })
