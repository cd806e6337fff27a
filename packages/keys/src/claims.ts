/** The `typ` header of every access token (RFC 9068), so no other JWT of the same issuer passes for one. */
export const ACCESS_TOKEN_TYPE = 'at+jwt'

/** The claims of an access token, as the auth service signs them and every verifier relies on them. */
export interface AccessTokenClaims {
  iss: string
  aud: string | string[]
  sub: string
  name: string
  email: string
  jti: string
  /** The refresh-token family that minted it: theft detection and revocation deny the whole family. */
  fid: string
  iat: number
  /** The issue time in ms (same instant as `iat`): revocation cut-offs compare at this precision. */
  iat_ms?: number
  exp: number
}

const nonEmpty = (value: unknown) => typeof value === 'string' && value.length > 0

/**
 * A good signature vouches for who signed, not for the shape of what was signed: a verifier checks
 * the claims it relies on before using them, and refuses a token of any other shape.
 */
export function isAccessTokenClaims (claims: unknown): claims is AccessTokenClaims {
  if (typeof claims !== 'object' || claims === null) return false
  const { iss, aud, sub, jti, fid, email, name, iat, exp, iat_ms: iatMs } = claims as Record<string, unknown>
  return nonEmpty(iss) && (nonEmpty(aud) || Array.isArray(aud)) && nonEmpty(sub) && nonEmpty(jti) && nonEmpty(fid) &&
    typeof email === 'string' && typeof name === 'string' && Number.isFinite(iat) && Number.isFinite(exp) &&
    (iatMs === undefined || Number.isFinite(iatMs))
}
