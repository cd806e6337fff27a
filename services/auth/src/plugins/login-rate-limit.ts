import rateLimit from '@fastify/rate-limit'
import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { RateLimited } from '../errors.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** preHandler of both login routes: per client IP and per account, counted in Redis, shared by both modes. */
    loginRateLimit: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
  }
}

export interface LoginRateLimitOptions {
  windowSeconds: number
  perIp: number
  perAccount: number
}

/**
 * Two counters per login attempt, both in Redis so every auth instance shares them: one per client IP
 * (one address spraying many accounts) and one per account (many addresses on one account). Only the
 * login routes are limited, so a burst against an account never touches its existing sessions.
 */
export const loginRateLimitPlugin = fp<LoginRateLimitOptions>(async (fastify, { windowSeconds, perIp, perAccount }) => {
  await fastify.register(rateLimit, {
    global: false,
    redis: fastify.redis,
    nameSpace: 'ratelimit:login:',
    skipOnError: false // an unreachable store is a 503, not a free pass for guessing passwords
  })
  const timeWindow = windowSeconds * 1000
  // createRateLimit (not rateLimit): @fastify/rate-limit runs only one of its own hooks per request.
  const limits = [
    fastify.createRateLimit({ max: perIp, timeWindow, keyGenerator: (request) => `ip:${request.ip}` }),
    fastify.createRateLimit({
      max: perAccount,
      timeWindow,
      // Runs after validation, when the email is already normalised: case tricks share one counter.
      keyGenerator: (request) => `account:${(request.body as { email: string }).email}`
    })
  ]

  fastify.decorate('loginRateLimit', async (request: FastifyRequest, reply: FastifyReply) => {
    for (const limit of limits) {
      const verdict = await limit(request)
      if (!verdict.isAllowed && verdict.isExceeded) {
        reply.header('retry-after', verdict.ttlInSeconds)
        throw new RateLimited(`${verdict.ttlInSeconds} s`)
      }
    }
  })
}, { name: 'authpair-login-rate-limit', dependencies: ['authpair-redis'] })
