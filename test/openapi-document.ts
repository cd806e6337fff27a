// The OpenAPI documents of both services, as they serve them at /docs/json: what docs/openapi.json holds.
import { buildApp as buildAuth } from '@authpair/auth/app'
import { loadAuthConfig } from '@authpair/auth/config'
import { buildApp as buildProfile } from '@authpair/profile/app'
import { loadProfileConfig } from '@authpair/profile/config'
import { deletePrefix, SHARED_REDIS_URL, uniquePrefix } from '@authpair/testing'

export const OPENAPI_FILE = new URL('../docs/openapi.json', import.meta.url)

/** Both documents, from apps built with the default configuration (a Redis must answer at REDIS_URL). */
export async function openApiDocuments (): Promise<{ auth: unknown, profile: unknown }> {
  const prefix = uniquePrefix('openapi')
  const env = { REDIS_URL: SHARED_REDIS_URL, REDIS_KEY_PREFIX: prefix, LOG_LEVEL: 'silent' }
  const auth = await buildAuth(loadAuthConfig(env))
  const profile = await buildProfile(loadProfileConfig(env))
  try {
    await Promise.all([auth.ready(), profile.ready()])
    return { auth: auth.swagger(), profile: profile.swagger() }
  } finally {
    await Promise.all([profile.close(), auth.close()])
    await deletePrefix(SHARED_REDIS_URL, prefix) // the profile's consumer group made the event stream
  }
}

/** The committed file's text: stable key order as the services emit it, two-space indent, a final newline. */
export const openApiText = (documents: { auth: unknown, profile: unknown }): string => `${JSON.stringify(documents, null, 2)}\n`
