import { Type } from 'typebox'

export const TokenPair = Type.Object({
  access_token: Type.String(),
  token_type: Type.Literal('Bearer'),
  expires_in: Type.Integer({ description: 'seconds' }),
  refresh_token: Type.String()
}, {
  description: 'An access token and a refresh token',
  headers: {
    'set-cookie': { type: 'string', description: 'at login: the device cookie (`did`: signed, HttpOnly, SameSite=Strict, one year)' }
  }
})

export const RefreshBody = Type.Object({
  refresh_token: Type.String({ minLength: 1, maxLength: 512 })
}, { additionalProperties: false })

/** What can be revoked: a refresh token (its family), or, sent by RFC 7009's form, an access token (its jti). */
export const RevokeBody = Type.Union([
  RefreshBody,
  Type.Object({
    access_token: Type.String({ minLength: 1, maxLength: 8192, description: 'an access token (JWT): its jti is denied until it expires' })
  }, { additionalProperties: false })
])

export const Jwks = Type.Object({
  keys: Type.Array(Type.Object({
    kty: Type.String(),
    kid: Type.String(),
    alg: Type.String(),
    use: Type.Literal('sig'),
    n: Type.String(),
    e: Type.String()
  }))
})
