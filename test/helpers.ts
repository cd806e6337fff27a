import { createPrivateKey, createSign } from 'node:crypto'
import { generatePrivateJwk } from '@authpair/keys'
import { buildApp as buildAuth } from '@authpair/auth/app'
import { loadAuthConfig } from '@authpair/auth/config'
import { buildApp as buildProfile } from '@authpair/profile/app'
import { loadProfileConfig } from '@authpair/profile/config'
import { deletePrefix, sessionCookieOf, SHARED_REDIS_URL, uniquePrefix } from '@authpair/testing'
import type { FastifyInstance } from 'fastify'

interface Tap { teardown: (fn: () => unknown) => void }

export const PASSWORD = 'correct horse battery staple'
export const SECRET = 'e2e-session-secret-that-is-long-enough-123'
export const privateJwk = generatePrivateJwk()

export interface System {
  auth: string
  profile: string
  profileApp: FastifyInstance
  authApp: FastifyInstance
  keyPrefix: string
  /** The settings both services were built with. */
  env: Record<string, string>
}

/** Both services on real ports over one Redis, with a key prefix of their own. */
export async function startSystem (t: Tap, env: Record<string, string> = {}): Promise<System> {
  const keyPrefix = uniquePrefix('e2e')
  const common = { REDIS_URL: SHARED_REDIS_URL, REDIS_KEY_PREFIX: keyPrefix, LOG_LEVEL: 'silent', SESSION_SECRET: SECRET, ...env }
  // Every test logs in and registers from 127.0.0.1: generous limits unless a test sets its own.
  const authApp = await buildAuth(loadAuthConfig({
    JWT_PRIVATE_KEYS: JSON.stringify({ keys: [privateJwk] }),
    LOGIN_LIMIT_PER_IP: '1000',
    LOGIN_LIMIT_PER_ACCOUNT: '1000',
    REGISTER_LIMIT_PER_IP: '1000',
    REGISTER_LIMIT_GLOBAL: '10000',
    ...common
  }))
  const auth = await authApp.listen({ port: 0, host: '127.0.0.1' })
  const profileApp = await buildProfile(loadProfileConfig({ ...common, AUTH_URL: auth }))
  const profile = await profileApp.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(async () => {
    await profileApp.close()
    await authApp.close()
    if (env.REDIS_URL === undefined) await deletePrefix(SHARED_REDIS_URL, keyPrefix)
  })
  return { auth, profile, authApp, profileApp, keyPrefix, env: common }
}

/** One more profile instance of `system` (same Redis, prefix and auth service), with settings of its own. */
export async function anotherProfile (t: Tap, system: System, env: Record<string, string>): Promise<System> {
  const profileApp = await buildProfile(loadProfileConfig({ ...system.env, AUTH_URL: system.auth, ...env }))
  const profile = await profileApp.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(async () => { await profileApp.close() })
  return { ...system, profile, profileApp }
}

let n = 0
export async function registerUser (system: System, name = 'Ann'): Promise<string> {
  const email = `e2e${++n}.${process.pid}@example.com`
  const response = await post(`${system.auth}/v1/users`, { email, password: PASSWORD, name })
  if (response.status !== 201) throw new Error(`register: ${response.status}`)
  return email
}

export async function post (url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })
}

export async function tokens (system: System, email: string): Promise<{ access_token: string, refresh_token: string }> {
  return await (await post(`${system.auth}/v1/tokens`, { email, password: PASSWORD })).json() as { access_token: string, refresh_token: string }
}

export async function session (system: System, email: string): Promise<{ cookie: string, csrfToken: string }> {
  const response = await post(`${system.auth}/v1/sessions`, { email, password: PASSWORD })
  const cookie = sessionCookieOf(response)
  return { cookie, csrfToken: (await response.json() as { csrfToken: string }).csrfToken }
}

export const me = async (system: System, headers: Record<string, string>) => await fetch(`${system.profile}/v1/me`, { headers })

/** A token signed with the auth service's real key, with whatever header and claims a test needs. */
export function signedToken (claims: Record<string, unknown>, header: Record<string, unknown> = {}): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
  const input = `${encode({ alg: 'RS256', typ: 'at+jwt', kid: privateJwk.kid, ...header })}.${encode(claims)}`
  const signature = createSign('RSA-SHA256').update(input).sign(createPrivateKey({ key: privateJwk, format: 'jwk' })).toString('base64url')
  return `${input}.${signature}`
}

/** Whether a service's /readyz reports Redis up (readiness alone may be 200 without it). */
export async function redisUp (base: string): Promise<boolean> {
  const readiness = await (await fetch(`${base}/readyz`)).json() as { dependencies: { redis: string } }
  return readiness.dependencies.redis === 'up'
}

export async function waitFor (check: () => Promise<boolean>, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return true
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return false
}

/** The profile's session-cache counters, from /metrics. */
export async function cacheStats (system: System): Promise<Record<string, number>> {
  const text = await (await fetch(`${system.profile}/metrics`)).text()
  const stats: Record<string, number> = {}
  for (const match of text.matchAll(/^authpair_session_cache_(\w+?)(?:_total)?\{[^}]*\} (\d+)$/gm)) {
    stats[match[1] as string] = Number(match[2])
  }
  return stats
}

/** Milliseconds from `end()` resolving until the cookie is refused (polling /v1/me), or -1 if it never is. */
export async function refusalLag (system: System, cookie: string, end: () => Promise<Response>): Promise<number> {
  const response = await end()
  if (response.status !== 204) throw new Error(`ending the session answered ${response.status}`)
  const ended = performance.now()
  const refused = await waitFor(async () => (await me(system, { cookie })).status === 401, 3000)
  return refused ? performance.now() - ended : -1
}
