import { isAccessTokenClaims, type AccessTokenClaims } from '@authpair/keys'
import { ExpiringCache } from '@authpair/session-store'
import { KeysUnavailable } from './errors.js'
import type { JwksCache } from './jwks-cache.js'

/** Why a token was refused: the reason goes into the 401's message. */
export class TokenRefused extends Error {}

export interface TokenVerifierOptions {
  /** Verified tokens kept until their exp (0: none). */
  cacheSize: number
  /** ACCESS_TOKEN_TTL: a token claiming a longer life (`exp - iat`) was not signed by this system's rules. */
  accessTokenTtlSeconds: number
  /** JWT_CLOCK_LEEWAY: an `iat` further in the future than this is refused. */
  clockLeewaySeconds: number
}

/**
 * An access token to its claims: the verified-token cache first, else the JWKS key named by `kid`
 * (signature, RS256, typ, iss, aud, exp/nbf), then this system's own rules. Throws TokenRefused (401)
 * or KeysUnavailable (503: no keys known yet).
 */
export class TokenVerifier {
  private readonly cache: ExpiringCache<{ claims: AccessTokenClaims, kid: string }>

  constructor (private readonly jwks: JwksCache, private readonly options: TokenVerifierOptions) {
    this.cache = new ExpiringCache(options.cacheSize)
    // A key that left the JWKS takes every token it verified with it.
    jwks.onKeysRemoved((kids) => { this.cache.deleteWhere((entry) => kids.includes(entry.kid)) })
  }

  /** `headerPart` is the token's first segment, already split off by the caller. */
  async verify (token: string, headerPart: string): Promise<AccessTokenClaims> {
    const cached = this.cache.get(token)
    if (cached !== undefined) return cached.claims
    let kid: unknown
    try { kid = JSON.parse(Buffer.from(headerPart, 'base64url').toString()).kid } catch { kid = undefined }
    if (typeof kid !== 'string' || kid.length > 128) throw new TokenRefused('Malformed access token')
    // No keys yet (the auth service was unreachable): 503 at once; JwksCache retries in the background.
    if (this.jwks.size === 0) throw new KeysUnavailable()
    const verify = await this.jwks.verifierFor(kid)
    if (verify === undefined) throw new TokenRefused('Access token signed by an unknown key')
    let claims: unknown
    try {
      claims = verify(token)
    } catch {
      // Every verify failure (bad signature, wrong alg or typ, expired, missing or wrong iss/aud) is a 401.
      throw new TokenRefused('Invalid or expired access token')
    }
    if (!isAccessTokenClaims(claims)) throw new TokenRefused('Access token without the expected claims')
    const problem = this.lifetimeProblem(claims, Date.now() / 1000)
    if (problem !== undefined) throw new TokenRefused(problem)
    this.cache.set(token, { claims, kid }, claims.exp * 1000)
    return claims
  }

  /** Rules of this system that a valid signature alone does not prove. */
  private lifetimeProblem (claims: AccessTokenClaims, nowSeconds: number): string | undefined {
    if (claims.iat > nowSeconds + this.options.clockLeewaySeconds) return 'Access token issued in the future'
    if (claims.exp - claims.iat > this.options.accessTokenTtlSeconds) return 'Access token lives longer than ACCESS_TOKEN_TTL'
    return undefined
  }
}
