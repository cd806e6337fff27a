import { Writable } from 'node:stream'
import { deletePrefix, SHARED_REDIS_URL, uniquePrefix } from '@authpair/testing'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { generatePrivateJwk } from '@authpair/keys'
import { buildApp } from '../src/app.js'
import { loadAuthConfig } from '../src/config.js'

/** One signing key for the whole test file, generated here: no key on disk, none shared between runs. */
export const TEST_KEYS = JSON.stringify({ keys: [generatePrivateJwk()] })

interface Tap { teardown: (fn: () => unknown) => void }

/** An auth app on the real Redis, with its own key prefix; closed and cleaned up when the test ends. */
export async function buildTestApp (
  t: Tap, env: Record<string, string> = {}
): Promise<FastifyInstance & { logs: string[] }> {
  const prefix = uniquePrefix('auth')
  // Every test registers from 127.0.0.1: registration limits of their own unless a test sets them.
  const config = loadAuthConfig({
    REDIS_URL: SHARED_REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    LOG_LEVEL: 'info',
    JWT_PRIVATE_KEYS: TEST_KEYS,
    REGISTER_LIMIT_PER_IP: '1000',
    REGISTER_LIMIT_GLOBAL: '10000',
    ...env
  })
  const logs: string[] = []
  const logStream = new Writable({ write (chunk, _encoding, done) { logs.push(String(chunk)); done() } })
  const app = await buildApp(config, { logStream })
  t.teardown(async () => {
    await app.close()
    if (env.REDIS_URL === undefined) await deletePrefix(SHARED_REDIS_URL, prefix)
  })
  return Object.assign(app, { logs })
}

export const PASSWORD = 'correct horse battery staple'

let counter = 0
export function newEmail (): string {
  return `user${++counter}.${process.pid}@example.com`
}

export async function register (app: FastifyInstance, email = newEmail(), name = 'Ann Example'): Promise<{ id: string, email: string, name: string }> {
  const response = await app.inject({ method: 'POST', url: '/v1/users', payload: { email, password: PASSWORD, name } })
  if (response.statusCode !== 201) throw new Error(`register failed: ${response.body}`)
  return response.json()
}

export interface LoggedIn {
  cookie: string
  csrfToken: string
  response: LightMyRequestResponse
}

/** Logs in with a session; `cookie` is ready for a Cookie header. */
export async function sessionLogin (
  app: FastifyInstance, email: string, headers: Record<string, string> = {}
): Promise<LoggedIn> {
  const response = await app.inject({ method: 'POST', url: '/v1/sessions', payload: { email, password: PASSWORD }, headers })
  if (response.statusCode !== 201) throw new Error(`login failed: ${response.statusCode} ${response.body}`)
  const sid = response.cookies.find((c) => c.name === 'sid')
  if (sid === undefined) throw new Error('no sid cookie')
  return { cookie: `sid=${sid.value}`, csrfToken: response.json().csrfToken, response }
}
