import rateLimit from '@fastify/rate-limit'
import type { FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { retryAfter } from '@authpair/service-kit'
import { RateLimited } from '../errors.js'
import { clientBucket } from '../lib/client-address.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** preHandler of registration: per client address (IPv6: /64) and in all, counted in Redis. */
    registrationLimit: (request: FastifyRequest) => Promise<void>
  }
}

export interface RegistrationLimitOptions {
  windowSeconds: number
  perIp: number
  global: number
}

/**
 * Every registration attempt counts (each may cost a password hash), per client address and in all, in
 * Redis so every auth instance shares the counters. The global limit bounds what a botnet of many
 * addresses can make the service hash; the hashing gate (users.ts) bounds what runs at once.
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
  const limits = [
    fastify.createRateLimit({ max: perIp, timeWindow, keyGenerator: (request) => `ip:${clientBucket(request.ip)}` }),
    fastify.createRateLimit({ max: global, timeWindow, keyGenerator: () => 'global' })
  ]

  fastify.decorate('registrationLimit', async (request: FastifyRequest) => {
    for (const limit of limits) {
      const verdict = await limit(request)
      if (!verdict.isAllowed && verdict.isExceeded) {
        throw retryAfter(new RateLimited(`${verdict.ttlInSeconds} s`), verdict.ttlInSeconds)
      }
    }
  })
}, { name: 'authpair-registration-limits', dependencies: ['authpair-redis'] })
