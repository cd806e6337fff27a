import { CommonConfigProperties, loadConfig } from '@authpair/config'
import { fileURLToPath } from 'node:url'
import { Type, type Static } from 'typebox'

/** Development keys live in the git-ignored `.keys/` at the repository root, created on first start. */
const DEV_KEYS_DIR = fileURLToPath(new URL('../../../.keys', import.meta.url))

export const AuthConfigSchema = Type.Object({
  ...CommonConfigProperties,
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3001 }),
  TRUST_PROXY: Type.Boolean({ default: false, description: 'take the client IP from X-Forwarded-For (behind the gateway)' }),
  REFRESH_TOKEN_TTL: Type.Integer({ minimum: 1, default: 1209600, description: 'seconds a refresh-token family lives unused' }),
  REFRESH_FAMILY_MAX_AGE: Type.Integer({
    minimum: 1, default: 2592000, description: 'seconds a refresh-token family lives in all, however often it rotates'
  }),
  JWKS_MAX_AGE: Type.Integer({
    minimum: 1, default: 300, description: 'seconds verifiers may cache the JWKS (Cache-Control max-age); they refresh at that age'
  }),
  JWT_PRIVATE_KEYS_DIR: Type.String({ default: DEV_KEYS_DIR, description: 'folder of *.jwk.json signing keys' }),
  JWT_PRIVATE_KEYS: Type.Optional(Type.String({ description: 'a JWK set as JSON; wins over JWT_PRIVATE_KEYS_DIR' })),
  LOGIN_LIMIT_WINDOW: Type.Integer({ minimum: 1, default: 60, description: 'seconds of the login rate-limit window' }),
  LOGIN_LIMIT_PER_IP: Type.Integer({ minimum: 1, default: 30, description: 'login attempts per client IP per window' }),
  LOGIN_LIMIT_PER_ACCOUNT: Type.Integer({ minimum: 1, default: 10, description: 'login attempts per email per window' }),
  REPORT_FILE: Type.String({ default: '', description: 'a load-compare HTML report the web page links to, served at /report' })
})

export type AuthConfig = Static<typeof AuthConfigSchema>

export function loadAuthConfig (env: Record<string, string | undefined> = process.env): AuthConfig {
  return loadConfig(AuthConfigSchema, env)
}
