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
