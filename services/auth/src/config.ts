import { CommonConfigProperties, loadConfig } from '@authpair/config'
import { Type, type Static } from 'typebox'

export const AuthConfigSchema = Type.Object({
  ...CommonConfigProperties,
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3001 }),
  TRUST_PROXY: Type.Boolean({ default: false, description: 'take the client IP from X-Forwarded-For (behind the gateway)' }),
  LOGIN_LIMIT_WINDOW: Type.Integer({ minimum: 1, default: 60, description: 'seconds of the login rate-limit window' }),
  LOGIN_LIMIT_PER_IP: Type.Integer({ minimum: 1, default: 30, description: 'login attempts per client IP per window' }),
  LOGIN_LIMIT_PER_ACCOUNT: Type.Integer({ minimum: 1, default: 10, description: 'login attempts per email per window' })
})

export type AuthConfig = Static<typeof AuthConfigSchema>

export function loadAuthConfig (env: Record<string, string | undefined> = process.env): AuthConfig {
  return loadConfig(AuthConfigSchema, env)
}
