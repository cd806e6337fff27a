import { createHash, randomInt } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { randomToken } from '../lib/random.js'

/** The device cookie's name (docs/api.md). */
export const DEVICE_COOKIE = 'did'
const ONE_YEAR_SECONDS = 365 * 24 * 3600

export interface DeviceCookie {
  /**
   * The device id, when the request carries a valid device cookie issued for this (normalised) email in the
   * account's current generation.
   */
  deviceFor: (request: FastifyRequest, email: string) => Promise<string | null>
  /** After a successful login: the device cookie for this account (the same device id if it had one). */
  issue: (reply: FastifyReply, email: string, deviceId: string | null) => Promise<void>
  /** Every device cookie of the account issued so far stops counting (log out everywhere). */
  revokeAll: (email: string) => Promise<void>
  /**
   * The account is deleted: its cookies stop counting, and the generation, which names the email, expires
   * once every cookie issued under it has (a year). An account registered again with the email meanwhile
   * starts from that generation, so no cookie of the old account counts for it.
   */
  forget: (email: string) => Promise<void>
  /** Expires the device cookie in this browser. */
  clear: (reply: FastifyReply) => void
}

declare module 'fastify' {
  interface FastifyInstance {
    deviceCookie: DeviceCookie
  }
}

/** The account a cookie is for, without putting the email in it. */
const accountTag = (email: string) => createHash('sha256').update(email).digest('base64url').slice(0, 22)
/** The account's device generation: a cookie of another generation is no device cookie. */
const generationKey = (email: string) => `login:device-gen:${email}`

/**
 * OWASP's "device cookies": a browser or client that has logged in to an account gets a signed, HttpOnly,
 * long-lived cookie naming that account and a random device id. Logins presenting it are limited by that
 * device's own failures only, so guessing from elsewhere cannot lock the owner out (see login-limits.ts).
 * The signed value carries the account's device generation (a counter in Redis, 0 until first moved): log
 * out everywhere moves it, so a stolen device cookie stops giving its holder the owner's lane at once.
 * Needs @fastify/cookie registered with the signing secret.
 */
export const deviceCookiePlugin = fp<{ secure: boolean }>(async (fastify, { secure }) => {
  const options = { signed: true, httpOnly: true, sameSite: 'strict', path: '/v1', secure, maxAge: ONE_YEAR_SECONDS } as const

  const redis = fastify.redis
  const generationOf = async (email: string) => await redis.get(generationKey(email)) ?? '0'

  async function deviceFor (request: FastifyRequest, email: string): Promise<string | null> {
    const raw = request.cookies[DEVICE_COOKIE]
    if (raw === undefined) return null
    const unsigned = request.unsignCookie(raw)
    if (!unsigned.valid || unsigned.value === null) return null
    const [tag, generation, deviceId] = unsigned.value.split('.')
    if (tag !== accountTag(email) || deviceId === undefined || deviceId.length === 0) return null
    return generation === await generationOf(email) ? deviceId : null
  }

  async function issue (reply: FastifyReply, email: string, deviceId: string | null): Promise<void> {
    const value = `${accountTag(email)}.${await generationOf(email)}.${deviceId ?? randomToken(16)}`
    reply.setCookie(DEVICE_COOKIE, value, options)
  }

  async function revokeAll (email: string): Promise<void> {
    await redis.incr(generationKey(email))
  }

  async function forget (email: string): Promise<void> {
    // A number no earlier generation reached (INCR still works on it), random so none can be guessed ahead.
    await redis.set(generationKey(email), 1e12 + randomInt(2 ** 47), 'EX', ONE_YEAR_SECONDS)
  }

  function clear (reply: FastifyReply): void {
    const { maxAge, ...attributes } = options
    reply.clearCookie(DEVICE_COOKIE, attributes)
  }

  fastify.decorate<DeviceCookie>('deviceCookie', { deviceFor, issue, revokeAll, forget, clear })
}, { name: 'authpair-device-cookie', dependencies: ['@fastify/cookie', 'authpair-redis'] })
