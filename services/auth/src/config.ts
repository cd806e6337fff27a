import { CommonConfigProperties, loadConfig } from '@authpair/config'
import { fileURLToPath } from 'node:url'
import { Type, type Static } from 'typebox'

/** Development keys live in the git-ignored `.keys/` at the repository root, created on first start. */
const DEV_KEYS_DIR = fileURLToPath(new URL('../../../.keys', import.meta.url))

export const AuthConfigSchema = Type.Object({
  ...CommonConfigProperties,
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3001 }),
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
  LOGIN_LIMIT_PER_IP: Type.Integer({ minimum: 1, default: 30, description: 'failed logins per client address (IPv6: /64) per window' }),
  LOGIN_LIMIT_PER_ACCOUNT: Type.Integer({
    minimum: 1, default: 10, description: 'failed logins per email per window from anonymous clients, and per device cookie'
  }),
  REGISTER_LIMIT_PER_IP: Type.Integer({ minimum: 1, default: 5, description: 'registrations per client address per login window' }),
  REGISTER_LIMIT_GLOBAL: Type.Integer({ minimum: 1, default: 300, description: 'registrations in all per login window' }),
  PASSWORD_HASH_CONCURRENCY: Type.Integer({
    minimum: 1,
    default: Number(process.env.UV_THREADPOOL_SIZE ?? 4),
    description: 'password hashes running at once (default: the libuv thread pool scrypt runs on)'
  }),
  PASSWORD_HASH_QUEUE: Type.Integer({
    minimum: 0, default: 8, description: 'password hashes waiting per lane; beyond it, 503 overloaded at once'
  }),
  PASSWORD_HASH_MAX_WAIT_MS: Type.Integer({
    minimum: 1, default: 2000, description: 'the longest a password hash waits for a slot; then 503 overloaded with Retry-After'
  }),
  HASH_BUDGET_PER_CLIENT: Type.Integer({
    minimum: 1,
    default: 60,
    description: 'logins that reach password hashing, successful or not, per client per login window (anonymous: per address, IPv6 /64; with the account\'s device cookie: per device)'
  }),
  HASH_BUDGET_PER_ACCOUNT: Type.Integer({
    minimum: 1, default: 30, description: 'logins that reach password hashing, successful or not, per account per login window (anonymous clients)'
  }),
  ACCOUNT_EVENTS_MAX_LENGTH: Type.Integer({
    minimum: 1000,
    default: 100000,
    description: 'entries the account event stream keeps (about: trimmed with MAXLEN ~); a consumer group may fall this many events behind without missing one'
  }),
  REPORT_FILE: Type.String({ default: '', description: 'a load-compare HTML report the web page links to, served at /report' })
})

export type AuthConfig = Static<typeof AuthConfigSchema>

export function loadAuthConfig (env: Record<string, string | undefined> = process.env): AuthConfig {
  return loadConfig(AuthConfigSchema, env)
}
