import { createHash } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { randomToken } from '../lib/random.js'

/** The device cookie's name (shared/API.md). */
export const DEVICE_COOKIE = 'did'
const ONE_YEAR_SECONDS = 365 * 24 * 3600

export interface DeviceCookie {
  /** The device id, when the request carries a valid device cookie issued for this (normalised) email. */
  deviceFor: (request: FastifyRequest, email: string) => string | null
  /** After a successful login: the device cookie for this account (the same device id if it had one). */
  issue: (reply: FastifyReply, email: string, deviceId: string | null) => void
}

declare module 'fastify' {
  interface FastifyInstance {
    deviceCookie: DeviceCookie
  }
}

/** The account a cookie is for, without putting the email in it. */
const accountTag = (email: string) => createHash('sha256').update(email).digest('base64url').slice(0, 22)

/**
 * OWASP's "device cookies": a browser or client that has logged in to an account gets a signed, HttpOnly,
 * long-lived cookie naming that account and a random device id. Logins presenting it are limited by that
 * device's own failures only, so guessing from elsewhere cannot lock the owner out (see login-limits.ts).
 * Needs @fastify/cookie registered with the signing secret.
 */
export const deviceCookiePlugin = fp<{ secure: boolean }>(async (fastify, { secure }) => {
  const options = { signed: true, httpOnly: true, sameSite: 'strict', path: '/v1', secure, maxAge: ONE_YEAR_SECONDS } as const

  function deviceFor (request: FastifyRequest, email: string): string | null {
    const raw = request.cookies[DEVICE_COOKIE]
    if (raw === undefined) return null
    const unsigned = request.unsignCookie(raw)
    if (!unsigned.valid || unsigned.value === null) return null
    const [tag, deviceId] = unsigned.value.split('.')
    return tag === accountTag(email) && deviceId !== undefined && deviceId.length > 0 ? deviceId : null
  }

  function issue (reply: FastifyReply, email: string, deviceId: string | null): void {
    reply.setCookie(DEVICE_COOKIE, `${accountTag(email)}.${deviceId ?? randomToken(16)}`, options)
  }

  fastify.decorate<DeviceCookie>('deviceCookie', { deviceFor, issue })
}, { name: 'authpair-device-cookie', dependencies: ['@fastify/cookie'] })
