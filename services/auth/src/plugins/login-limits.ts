import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { retryAfter } from '@authpair/service-kit'
import { InvalidCredentials, RateLimited } from '../errors.js'
import { clientBucket } from '../lib/client-address.js'
import type { HashLane } from '../lib/hash-gate.js'
import type { VerifiedUser } from './users.js'

/** What the guard decided for one login attempt: its hashing lane and the counters it holds a place in. */
export interface LoginAttempt {
  lane: HashLane
  /** The device id of a valid device cookie for this account, kept across the login. */
  deviceId: string | null
  /** Failure counters: given back unless the password was wrong. */
  counterKeys: string[]
  /** Hashing budget: kept once the hash ran, whatever its verdict. */
  budgetKeys: string[]
}

/** Any password check limited like a login: logins, and the password a signed-in user confirms. */
export interface PasswordAttempts {
  /** Takes the attempt's places in its counters: 429 while this client has failed too often (see below). */
  begin: (request: FastifyRequest, email: string) => Promise<LoginAttempt>
  /**
   * Runs the password check: its result when the password was right; a wrong one (null) is counted against
   * the attempt's counters and answered 401 invalid_credentials.
   */
  judge: <T>(attempt: LoginAttempt, check: () => Promise<T | null>) => Promise<T>
}

declare module 'fastify' {
  interface FastifyRequest {
    loginAttempt: LoginAttempt
  }
  interface FastifyInstance {
    passwordAttempts: PasswordAttempts
    /** preHandler of both login routes: `passwordAttempts.begin` for the body's email. */
    loginGuard: (request: FastifyRequest) => Promise<void>
    /**
     * The login itself, after the guard: the user for the right password (and the device cookie for this
     * account in the reply); a wrong one is counted against the attempt's counters and answered 401.
     */
    verifyLogin: (request: FastifyRequest, reply: FastifyReply, mode: 'session' | 'token') => Promise<VerifiedUser>
  }
}

export interface LoginLimitOptions {
  windowSeconds: number
  perIp: number
  perAccount: number
  /** Logins that reach hashing per client (address, or device) and per account, successes included. */
  hashBudget: { perClient: number, perAccount: number }
}

// Takes a place in a fixed window that starts at the first attempt. KEYS: counter. ARGV: window ms.
const TAKE = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`
// Gives a place back, never creating a counter (an expired window stays expired).
const GIVE_BACK = `
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('DECR', KEYS[1]) end
return 1`

/**
 * Failed logins, counted in Redis so every auth instance shares them. Each attempt takes a place in its
 * counters before the password is checked (so a burst of concurrent guesses cannot all slip under the
 * limit), and gives it back unless the password was wrong: a success, or an attempt turned away before the
 * check (429, 503 overloaded), is not a guess. Two kinds of client:
 * - anonymous: limited per client address (one address spraying many accounts; IPv6 per /64) and per
 *   account (many addresses on one account);
 * - the account's own device (a valid device cookie for that account): limited only by that device's own
 *   failures, so a flood of guesses from elsewhere cannot lock the owner out (OWASP "device cookies").
 *
 * Beside the failures, a hashing budget counts every attempt that reaches the password hash, successful
 * or not, and never gives it back: logging in with the right password in a loop costs a scrypt each time,
 * and is limited like guessing (per client address and account, or per device for the owner's device).
 */
export const loginLimitsPlugin = fp<LoginLimitOptions>(async (fastify, options) => {
  const { windowSeconds, perIp, perAccount, hashBudget } = options
  const redis = fastify.redis
  const windowMs = windowSeconds * 1000

  function limitsFor (request: FastifyRequest, email: string, deviceId: string | null): Array<[string, number]> {
    if (deviceId !== null) return [[`login:fail:device:${deviceId}`, perAccount]]
    return [[`login:fail:ip:${clientBucket(request.ip)}`, perIp], [`login:fail:account:${email}`, perAccount]]
  }

  function hashBudgetFor (request: FastifyRequest, email: string, deviceId: string | null): Array<[string, number]> {
    if (deviceId !== null) return [[`login:hash:device:${deviceId}`, hashBudget.perClient]]
    return [
      [`login:hash:ip:${clientBucket(request.ip)}`, hashBudget.perClient],
      [`login:hash:account:${email}`, hashBudget.perAccount]
    ]
  }

  fastify.decorateRequest('loginAttempt', null as unknown as LoginAttempt)

  async function giveBack (keys: string[]): Promise<void> {
    for (const key of keys) await redis.eval(GIVE_BACK, 1, key)
  }

  async function begin (request: FastifyRequest, email: string): Promise<LoginAttempt> {
    const deviceId = await fastify.deviceCookie.deviceFor(request, email)
    const failures = limitsFor(request, email, deviceId)
    const budget = hashBudgetFor(request, email, deviceId)
    const taken: string[] = []
    for (const [key, max] of [...failures, ...budget]) {
      taken.push(key)
      if (await redis.eval(TAKE, 1, key, windowMs) as number <= max) continue
      await giveBack(taken) // turned away before hashing: neither a guess nor a hash
      const seconds = Math.max(1, Math.ceil(await redis.pttl(key) / 1000))
      throw retryAfter(new RateLimited(`${seconds} s`), seconds)
    }
    return {
      lane: deviceId === null ? 'anonymous' : 'owner',
      deviceId,
      counterKeys: failures.map(([key]) => key),
      budgetKeys: budget.map(([key]) => key)
    }
  }

  async function judge<T> (attempt: LoginAttempt, check: () => Promise<T | null>): Promise<T> {
    let result: T | null
    try {
      result = await check()
    } catch (error) {
      // Overloaded or the store failed: the password was never judged, nor hashed.
      await giveBack([...attempt.counterKeys, ...attempt.budgetKeys])
      throw error
    }
    if (result === null) throw new InvalidCredentials() // the place taken stays: a wrong guess counts
    await giveBack(attempt.counterKeys)
    return result
  }

  fastify.decorate<PasswordAttempts>('passwordAttempts', { begin, judge })

  fastify.decorate('loginGuard', async (request: FastifyRequest) => {
    // Runs after validation, when the email is already normalised: case tricks share one counter.
    request.loginAttempt = await begin(request, (request.body as { email: string }).email)
  })

  fastify.decorate('verifyLogin', async (request: FastifyRequest, reply: FastifyReply, mode: 'session' | 'token') => {
    const { email, password } = request.body as { email: string, password: string }
    const attempt = request.loginAttempt
    const user = await judge(attempt, async () => {
      const checked = await fastify.users.verifyCredentials(email, password, attempt)
      fastify.loginCounter.inc({ mode, outcome: checked === null ? 'rejected' : 'accepted' })
      return checked
    })
    await fastify.deviceCookie.issue(reply, email, attempt.deviceId)
    return user
  })
}, {
  name: 'authpair-login-limits',
  dependencies: ['authpair-redis', 'authpair-device-cookie', 'authpair-users', 'authpair-login-metrics']
})
