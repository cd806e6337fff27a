import fp from 'fastify-plugin'
import { denylistCheck, noRevocationCheck, type RevocationCheck } from './checks.js'
import { PushRevocationCheck } from './push-check.js'
import { publishRevocation, type RevocableClaims, type Revocation } from './records.js'

/** How a service learns of revocations: the profile's TOKEN_REVOCATION modes; `off` for a publisher only. */
export type RevocationMode = 'off' | 'denylist' | 'push'

export interface Revocations {
  readonly mode: RevocationMode
  /** Records a revocation for every mode: denylist keys, the log, and one message to subscribers. */
  publish: (revocation: Revocation) => Promise<void>
  /** Whether a verified token is revoked, as this instance's mode checks it (never, in `off`). */
  isRevoked: (claims: RevocableClaims) => boolean | Promise<boolean>
  /**
   * push: whether the pushed set is trusted now (subscribed, loaded, and the subscriber proven current
   * within the staleness bound); while it is not, every token is checked against the denylist too.
   * Always true in the other modes, which hold nothing.
   */
  readonly trusted: boolean
  /** push: how many times trust was lost or regained. */
  readonly trustChanges: number
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
   * push mode, while its pushed set is not trusted and Redis does not answer the denylist either: accept
   * tokens that what it holds does not refuse (`serve-held`, the default: token requests keep working
   * through an outage) or refuse them (`fail-closed`, 503: the staleness bound holds whatever fails).
   */
  pushWhenStoreDown?: 'serve-held' | 'fail-closed'
  /** push: REVOCATION_STALENESS_MAX_MS, the longest a revoked token may be accepted whatever the connections do. */
  stalenessMaxMs?: number
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
  const { mode = 'off', denylistWhenStoreDown, pushWhenStoreDown = 'serve-held', clockLeewaySeconds = 0, stalenessMaxMs = 2000 } = options
  const redis = fastify.redis
  const keyPrefix = redis.options.keyPrefix ?? ''
  let trustChanges = 0
  const check = await checkFor(mode)
  fastify.addHook('onClose', async () => { await check.close() })
  fastify.decorate<Revocations>('revocations', {
    mode,
    publish: async (revocation) => {
      await publishRevocation(redis, keyPrefix, { ...revocation, exp: revocation.exp + clockLeewaySeconds })
    },
    isRevoked: check instanceof PushRevocationCheck ? (claims) => check.isRevoked(claims) : check.isRevoked,
    get trusted () { return !(check instanceof PushRevocationCheck) || check.trusted },
    get trustChanges () { return trustChanges }
  })

  async function checkFor (mode: RevocationMode): Promise<RevocationCheck> {
    if (mode === 'off') return noRevocationCheck
    if (mode === 'denylist') {
      return denylistOf(denylistWhenStoreDown === 'fail-open',
        'denylist unreachable: tokens accepted unchecked (DENYLIST_WHEN_STORE_DOWN=fail-open)')
    }
    let warnedAt = 0
    return await PushRevocationCheck.start(redis, {
      keyPrefix,
      stalenessMaxMs,
      fallback: denylistOf(pushWhenStoreDown === 'serve-held',
        'pushed revocations not trusted and the denylist unreachable: tokens checked against what this instance holds (PUSH_WHEN_STORE_DOWN=serve-held)'),
      onError: (error) => {
        if (Date.now() - warnedAt < 10_000) return // one line per 10 s of outage, not one per retry
        warnedAt = Date.now()
        fastify.log.warn({ err: error }, 'revocation subscriber')
      },
      onTrustChange: (trusted) => {
        trustChanges++
        if (trusted) fastify.log.info('pushed revocations trusted: subscribed and the revocation log loaded')
        else fastify.log.warn('pushed revocations no longer trusted: every token is checked against the denylist until the subscriber is back')
      }
    })
  }

  function denylistOf (failOpen: boolean, uncheckedMessage: string): RevocationCheck {
    let warnedAt = 0
    return denylistCheck(redis, {
      failOpen,
      onUnchecked: (error) => {
        if (Date.now() - warnedAt < 10_000) return // one line per 10 s, not one per request
        warnedAt = Date.now()
        fastify.log.warn({ err: error }, uncheckedMessage)
      }
    })
  }
}, { name: 'authpair-revocation', fastify: '5.x', dependencies: ['authpair-redis'] })
