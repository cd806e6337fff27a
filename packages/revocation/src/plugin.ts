import fp from 'fastify-plugin'
import { denylistCheck, noRevocationCheck, pushCheck, type RevocationCheck } from './checks.js'
import { publishRevocation, type RevocableClaims, type Revocation } from './records.js'

/** How a service learns of revocations: the profile's TOKEN_REVOCATION modes; `off` for a publisher only. */
export type RevocationMode = 'off' | 'denylist' | 'push'

export interface Revocations {
  readonly mode: RevocationMode
  /** Records a revocation for every mode: denylist keys, the log, and one message to subscribers. */
  publish: (revocation: Revocation) => Promise<void>
  /** Whether a verified token is revoked, as this instance's mode checks it (never, in `off`). */
  isRevoked: (claims: RevocableClaims) => boolean | Promise<boolean>
}

declare module 'fastify' {
  interface FastifyInstance {
    revocations: Revocations
  }
}

export interface RevocationPluginOptions {
  mode?: RevocationMode
  /** denylist mode with Redis unreachable: refuse (503, the default) or accept tokens unchecked. */
  denylistWhenStoreDown?: 'fail-closed' | 'fail-open'
  /**
   * JWT_CLOCK_LEEWAY of this publisher: verifiers accept a token until `exp` plus their leeway, so a
   * revocation is kept that much longer (both services read the same variable).
   */
  clockLeewaySeconds?: number
}

/**
 * Publishing and checking revocations, built once from `fastify.redis`. The key prefix is the client's
 * own (ioredis prefixes keys, not pub/sub channels), so no caller threads it through.
 */
export const revocationPlugin = fp<RevocationPluginOptions>(async (fastify, options) => {
  const { mode = 'off', denylistWhenStoreDown, clockLeewaySeconds = 0 } = options
  const redis = fastify.redis
  const keyPrefix = redis.options.keyPrefix ?? ''
  const check = await checkFor(mode)
  fastify.addHook('onClose', async () => { await check.close() })
  fastify.decorate<Revocations>('revocations', {
    mode,
    publish: async (revocation) => {
      await publishRevocation(redis, keyPrefix, { ...revocation, exp: revocation.exp + clockLeewaySeconds })
    },
    isRevoked: check.isRevoked
  })

  async function checkFor (mode: RevocationMode): Promise<RevocationCheck> {
    if (mode === 'push') {
      return await pushCheck(redis, keyPrefix, (error) => fastify.log.warn({ err: error }, 'revocation subscriber'))
    }
    if (mode === 'off') return noRevocationCheck
    let warnedAt = 0
    return denylistCheck(redis, {
      failOpen: denylistWhenStoreDown === 'fail-open',
      onUnchecked: (error) => {
        if (Date.now() - warnedAt < 10_000) return // one line per 10 s, not one per request
        warnedAt = Date.now()
        fastify.log.warn({ err: error }, 'denylist unreachable: tokens accepted unchecked (DENYLIST_WHEN_STORE_DOWN=fail-open)')
      }
    })
  }
}, { name: 'authpair-revocation', fastify: '5.x', dependencies: ['authpair-redis'] })
