// The OpenAPI documents of both services, as they serve them at /docs/json: what docs/openapi.json holds.
import { buildApp as buildAuth } from '@authpair/auth/app'
import { loadAuthConfig } from '@authpair/auth/config'
import { buildApp as buildProfile } from '@authpair/profile/app'
import { loadProfileConfig } from '@authpair/profile/config'
import { uniquePrefix } from '@authpair/testing'

export const OPENAPI_FILE = new URL('../docs/openapi.json', import.meta.url)

/** Both documents, from apps built with the default configuration (a Redis must answer at REDIS_URL). */
export async function openApiDocuments (): Promise<{ auth: unknown, profile: unknown }> {
  const env = { REDIS_KEY_PREFIX: uniquePrefix('openapi'), LOG_LEVEL: 'silent', ...process.env.REDIS_URL === undefined ? {} : { REDIS_URL: process.env.REDIS_URL } }
  const auth = await buildAuth(loadAuthConfig(env))
  const profile = await buildProfile(loadProfileConfig(env))
  try {
    await Promise.all([auth.ready(), profile.ready()])
    return { auth: auth.swagger(), profile: profile.swagger() }
  } finally {
    await Promise.all([profile.close(), auth.close()])
  }
}

/** The committed file's text: stable key order as the services emit it, two-space indent, a final newline. */
export const openApiText = (documents: { auth: unknown, profile: unknown }): string => `${JSON.stringify(documents, null, 2)}\n`
