import { CommonConfigProperties, loadConfig } from '@authpair/config'
import { Type, type Static } from 'typebox'

export const ProfileConfigSchema = Type.Object({
  ...CommonConfigProperties,
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3002 }),
  AUTH_URL: Type.String({ default: 'http://127.0.0.1:3001', pattern: '^https?://', description: 'where the JWKS is fetched' })
})

export type ProfileConfig = Static<typeof ProfileConfigSchema>

export function loadProfileConfig (env: Record<string, string | undefined> = process.env): ProfileConfig {
  return loadConfig(ProfileConfigSchema, env)
}
