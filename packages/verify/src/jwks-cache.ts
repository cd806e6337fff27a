import { createPublicKey } from 'node:crypto'
import { ACCESS_TOKEN_TYPE } from '@authpair/keys'
import { createVerifier } from 'fast-jwt'

export interface VerifyOptions {
  issuer: string
  audience: string
  clockLeewaySeconds: number
}

export interface JwksCacheOptions {
  /** At most one refetch per this interval for unknown kids, and the retry interval while the set is unreachable. */
  cooldownMs: number
  /** Called with what went wrong when a fetch fails (the last good set keeps serving). */
  onError: (error: unknown) => void
  /**
   * While no key has been fetched yet (the auth service is starting), instead of onError at every retry: once
   * when the first fetch fails, once more if none succeeds within `patienceMs`, and once when one finally does.
   */
  onWaiting?: (event: 'waiting' | 'still-waiting' | 'loaded', reason?: string) => void
  /** How long the first fetch may keep failing before `onWaiting('still-waiting')`. Default 30 s. */
  patienceMs?: number
}

type Verify = (token: string) => Record<string, unknown>
type Jwk = { kid?: string, alg?: string, kty?: string, n?: string, e?: string }

/** The `max-age` the JWKS was served with; the RFC 9111 default of "no caching advice" falls back to 300 s. */
function maxAgeSeconds (cacheControl: string | null): number {
  const seconds = Number(/(?:^|,)\s*max-age=(\d+)/i.exec(cacheControl ?? '')?.[1] ?? 300)
  return Math.max(1, seconds)
}

/**
 * The auth service's public keys, fetched from its JWKS and kept in process, with one prepared verifier
 * per kid (RS256 pinned, `typ: at+jwt`, iss/aud required and checked, exp/nbf with the leeway).
 *
 * The set is refreshed in the background at the age it was served with (`Cache-Control: max-age`), so a key
 * removed from it stops verifying within that age; while the auth service is unreachable the last good set
 * keeps serving and a retry runs every cooldown. An unknown kid triggers at most one refetch per cooldown,
 * so forged kids cannot turn into a storm of requests to the auth service.
 */
export class JwksCache {
  private verifiers = new Map<string, Verify>()
  private material = new Map<string, string>() // kid -> n.e: a kid whose key changes counts as removed
  private lastFetch = 0
  private inFlight: Promise<void> | undefined
  private timer: NodeJS.Timeout | undefined
  private closed = false
  private readonly removedListeners: Array<(kids: string[]) => void> = []

  constructor (
    private readonly url: string, private readonly verify: VerifyOptions, private readonly options: JwksCacheOptions
  ) {}

  get size (): number { return this.verifiers.size }

  async refresh (): Promise<void> {
    this.inFlight ??= this.fetchKeys().finally(() => { this.inFlight = undefined })
    await this.inFlight
  }

  /** Whatever a removed key verified must be forgotten: `listener` gets the kids of every refresh that drops some. */
  onKeysRemoved (listener: (kids: string[]) => void): void {
    this.removedListeners.push(listener)
  }

  /** Fetches the set, swaps it in whole, and schedules the next refresh at the age it was served with. */
  private async fetchKeys (): Promise<void> {
    this.lastFetch = Date.now()
    const response = await fetch(this.url, { signal: AbortSignal.timeout(2000) })
    if (!response.ok) throw new Error(`JWKS at ${this.url} answered ${response.status}`)
    const { keys } = await response.json() as { keys: Jwk[] }
    if (!Array.isArray(keys)) throw new Error(`JWKS at ${this.url} has no keys array`)
    const verifiers = new Map<string, Verify>()
    const material = new Map<string, string>()
    for (const jwk of keys) {
      if (typeof jwk.kid !== 'string' || jwk.alg !== 'RS256' || jwk.kty !== 'RSA') continue
      verifiers.set(jwk.kid, this.verifierOf(jwk))
      material.set(jwk.kid, `${jwk.n}.${jwk.e}`)
    }
    const removed = [...this.material].filter(([kid, key]) => material.get(kid) !== key).map(([kid]) => kid)
    this.verifiers = verifiers
    this.material = material
    if (removed.length > 0) for (const listener of this.removedListeners) listener(removed)
    this.schedule(maxAgeSeconds(response.headers.get('cache-control')) * 1000)
  }

  private verifierOf (jwk: Jwk): Verify {
    const key = createPublicKey({ key: { kty: 'RSA', n: jwk.n, e: jwk.e }, format: 'jwk' })
      .export({ type: 'spki', format: 'pem' }) as string
    return createVerifier({
      key,
      algorithms: ['RS256'],
      checkTyp: ACCESS_TOKEN_TYPE,
      allowedIss: this.verify.issuer,
      allowedAud: this.verify.audience,
      clockTolerance: this.verify.clockLeewaySeconds * 1000,
      requiredClaims: ['iss', 'aud', 'sub', 'exp', 'iat', 'jti']
    }) as Verify
  }

  /** The next background refresh: at the served age after a success, every cooldown while failing. */
  private schedule (delayMs: number): void {
    clearTimeout(this.timer)
    if (this.closed) return
    this.timer = setTimeout(() => {
      this.refresh().catch((error: unknown) => {
        this.options.onError(error)
        this.schedule(Math.max(100, this.options.cooldownMs))
      })
    }, delayMs)
    this.timer.unref()
  }

  /**
   * The first fetch. While no key is known yet (the auth service may start after this one) it retries in the
   * background with a capped backoff; requests never fetch a missing set themselves.
   */
  async start (): Promise<void> {
    let delay = 100
    const began = Date.now()
    let said: 'nothing' | 'waiting' | 'still-waiting' = 'nothing'
    const { onWaiting, patienceMs = 30_000 } = this.options
    const attempt = async (): Promise<void> => {
      try {
        await this.refresh()
        if (said !== 'nothing') onWaiting?.('loaded')
      } catch (error) {
        if (onWaiting === undefined) this.options.onError(error)
        else if (said === 'nothing') {
          said = 'waiting'
          onWaiting('waiting', error instanceof Error ? error.message : String(error))
        } else if (said === 'waiting' && Date.now() - began >= patienceMs) {
          said = 'still-waiting'
          onWaiting('still-waiting', error instanceof Error ? error.message : String(error))
        }
        if (this.closed || this.verifiers.size > 0) return
        clearTimeout(this.timer)
        this.timer = setTimeout(() => { attempt().catch(this.options.onError) }, delay)
        this.timer.unref()
        delay = Math.min(delay * 2, 5000)
      }
    }
    await attempt()
  }

  close (): void {
    this.closed = true
    clearTimeout(this.timer)
  }

  /** The verifier for `kid`, refetching the set once per cooldown when the kid is unknown. */
  async verifierFor (kid: string): Promise<Verify | undefined> {
    const known = this.verifiers.get(kid)
    if (known !== undefined) return known
    if (Date.now() - this.lastFetch < this.options.cooldownMs) return undefined
    await this.refresh().catch(this.options.onError)
    return this.verifiers.get(kid)
  }
}
