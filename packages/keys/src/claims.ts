/** The claims of an access token, as the auth service signs them and every verifier relies on them. */
export interface AccessTokenClaims {
  sub: string
  name: string
  email: string
  jti: string
  iat: number
  exp: number
}

/**
 * A good signature vouches for who signed, not for the shape of what was signed: a verifier checks
 * the claims it relies on before using them, and refuses a token of any other shape.
 */
export function isAccessTokenClaims (claims: unknown): claims is AccessTokenClaims {
  if (typeof claims !== 'object' || claims === null) return false
  const { sub, jti, email, name, iat, exp } = claims as Record<string, unknown>
  return typeof sub === 'string' && sub.length > 0 && typeof jti === 'string' && jti.length > 0 &&
    typeof email === 'string' && typeof name === 'string' && Number.isFinite(iat) && Number.isFinite(exp)
}
