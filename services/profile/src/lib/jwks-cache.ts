import { createPublicKey } from 'node:crypto'
import { createVerifier } from 'fast-jwt'

export interface VerifyOptions {
  issuer: string
  audience: string
  clockLeewaySeconds: number
}

type Verify = (token: string) => Record<string, unknown>

/**
 * The auth service's public keys, fetched from its JWKS and kept in process, with one prepared verifier
 * per kid (RS256 pinned, iss/aud/exp/nbf checked). An unknown kid triggers at most one refetch per
 * cooldown, so forged kids cannot turn into a storm of requests to the auth service.
 */
export class JwksCache {
  private verifiers = new Map<string, Verify>()
  private lastFetch = 0
  private inFlight: Promise<void> | undefined
  private retryTimer: NodeJS.Timeout | undefined
  private closed = false

  constructor (
    private readonly url: string, private readonly options: VerifyOptions, private readonly cooldownMs: number
  ) {}

  get size (): number { return this.verifiers.size }

  async refresh (): Promise<void> {
    this.inFlight ??= this.fetchKeys().finally(() => { this.inFlight = undefined })
    await this.inFlight
  }

  private async fetchKeys (): Promise<void> {
    this.lastFetch = Date.now()
    const response = await fetch(this.url, { signal: AbortSignal.timeout(2000) })
    if (!response.ok) throw new Error(`JWKS at ${this.url} answered ${response.status}`)
    type Jwk = { kid?: string, alg?: string, kty?: string, n?: string, e?: string }
    const { keys } = await response.json() as { keys: Jwk[] }
    const next = new Map<string, Verify>()
    for (const jwk of keys) {
      if (typeof jwk.kid !== 'string' || jwk.alg !== 'RS256' || jwk.kty !== 'RSA') continue
      const key = createPublicKey({ key: { kty: 'RSA', n: jwk.n, e: jwk.e }, format: 'jwk' }).export({ type: 'spki', format: 'pem' }) as string
      next.set(jwk.kid, createVerifier({
        key,
        algorithms: ['RS256'],
        allowedIss: this.options.issuer,
        allowedAud: this.options.audience,
        clockTolerance: this.options.clockLeewaySeconds * 1000,
        requiredClaims: ['sub', 'exp', 'iat', 'jti']
      }) as Verify)
    }
    this.verifiers = next
  }

  /**
   * Fetches the keys, and while none are known keeps retrying in the background with a capped backoff
   * (the auth service may start after this one). Requests never fetch a missing set themselves.
   */
  async start (onError: (error: unknown) => void): Promise<void> {
    let delay = 100
    const attempt = async (): Promise<void> => {
      try {
        await this.refresh()
      } catch (error) {
        onError(error)
        if (this.closed || this.verifiers.size > 0) return
        this.retryTimer = setTimeout(() => { attempt().catch(onError) }, delay)
        this.retryTimer.unref()
        delay = Math.min(delay * 2, 5000)
      }
    }
    await attempt()
  }

  close (): void {
    this.closed = true
    clearTimeout(this.retryTimer)
  }

  /** The verifier for `kid`, refetching the set once per cooldown when the kid is unknown. */
  async verifierFor (kid: string): Promise<Verify | undefined> {
    const known = this.verifiers.get(kid)
    if (known !== undefined) return known
    if (Date.now() - this.lastFetch < this.cooldownMs) return undefined
    await this.refresh().catch(() => {})
    return this.verifiers.get(kid)
  }
}
