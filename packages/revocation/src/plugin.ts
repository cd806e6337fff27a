import fp from 'fastify-plugin'
import { publishRevocation, type Revocation } from './records.js'

export interface Revocations {
  /** Records a revocation for every mode: denylist keys, the log, and one message to subscribers. */
  publish: (revocation: Revocation) => Promise<void>
}

declare module 'fastify' {
  interface FastifyInstance {
    revocations: Revocations
  }
}

export interface RevocationPluginOptions {
  /**
   * JWT_CLOCK_LEEWAY of this publisher: verifiers accept a token until `exp` plus their leeway, so a
   * revocation is kept that much longer (both services read the same variable).
   */
  clockLeewaySeconds?: number
}

/**
 * Publishing revocations (the auth service), built once from `fastify.redis`. The key prefix is the
 * client's own (ioredis prefixes keys, not pub/sub channels), so no caller threads it through. Verifiers
 * check them with `startRevocationCheck` (through @authpair/verify).
 */
export const revocationPlugin = fp<RevocationPluginOptions>(async (fastify, { clockLeewaySeconds = 0 }) => {
  const redis = fastify.redis
  const keyPrefix = redis.options.keyPrefix ?? ''
  fastify.decorate<Revocations>('revocations', {
    publish: async (revocation) => {
      await publishRevocation(redis, keyPrefix, { ...revocation, exp: revocation.exp + clockLeewaySeconds })
    }
  })
}, { name: 'authpair-revocation', fastify: '5.x', dependencies: ['authpair-redis'] })
