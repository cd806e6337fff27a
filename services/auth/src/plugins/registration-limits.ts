import rateLimit from '@fastify/rate-limit'
import type { FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { retryAfter } from '@authpair/service-kit'
import { RegistrationLimited } from '../errors.js'
import { clientBucket } from '../lib/client-address.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** preHandler of registration: every attempt, per client address (IPv6: /64), counted in Redis. */
    registrationLimit: (request: FastifyRequest) => Promise<void>
    /** Just before a registration's password is hashed: the cap on registrations that reach hashing, in all. */
    registrationHashLimit: (request: FastifyRequest) => Promise<void>
  }
}

export interface RegistrationLimitOptions {
  windowSeconds: number
  perIp: number
  global: number
}

/**
 * Registrations, counted in Redis so every auth instance shares the counters. Every attempt counts per
 * client address (a `409 email_taken` included: it costs a lookup). The cap in all counts only the
 * attempts that reach password hashing, so answers that cost no hash cannot spend it and lock out new
 * users: it bounds what a botnet of many addresses can make the service hash; the hashing gate (users.ts)
 * bounds what runs at once.
 */
export const registrationLimitsPlugin = fp<RegistrationLimitOptions>(async (fastify, options) => {
  const { windowSeconds, perIp, global } = options
  await fastify.register(rateLimit, {
    global: false,
    redis: fastify.redis,
    nameSpace: 'ratelimit:register:',
    skipOnError: false // an unreachable store is a 503, not a free pass
  })
  const timeWindow = windowSeconds * 1000
  // createRateLimit (not rateLimit): @fastify/rate-limit runs only one of its own hooks per request.
  const perClient = fastify.createRateLimit({ max: perIp, timeWindow, keyGenerator: (request) => `ip:${clientBucket(request.ip)}` })
  const hashed = fastify.createRateLimit({ max: global, timeWindow, keyGenerator: () => 'global' })

  const enforce = (limit: typeof perClient) => async (request: FastifyRequest) => {
    const verdict = await limit(request)
    if (!verdict.isAllowed && verdict.isExceeded) {
      throw retryAfter(new RegistrationLimited(`${verdict.ttlInSeconds} s`), verdict.ttlInSeconds)
    }
  }
  fastify.decorate('registrationLimit', enforce(perClient))
  fastify.decorate('registrationHashLimit', enforce(hashed))
}, { name: 'authpair-registration-limits', dependencies: ['authpair-redis'] })
