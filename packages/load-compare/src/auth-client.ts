import { randomBytes } from 'node:crypto'
import { sessionCookieOf } from '@authpair/testing'

export interface TokenPair { access_token: string, refresh_token: string, expires_in: number }
export interface Session { cookie: string, csrfToken: string }

/** The auth service's HTTP API, as load-compare uses it: its own throwaway user, sessions and tokens. */
export class AuthClient {
  readonly email = `compare-${randomBytes(6).toString('hex')}@example.com`
  /** The account's password: a password change makes it a new one. */
  password = randomBytes(18).toString('base64url')

  constructor (readonly url: string) {}

  async register (): Promise<void> {
    await this.call('POST', '/v1/users', 201, { email: this.email, password: this.password, name: 'Load Compare' })
  }

  async session (): Promise<Session> {
    const response = await this.call('POST', '/v1/sessions', 201, { email: this.email, password: this.password })
    const cookie = sessionCookieOf(response)
    return { cookie, csrfToken: (await response.json() as { csrfToken: string }).csrfToken }
  }

  async tokens (): Promise<TokenPair> {
    return await (await this.call('POST', '/v1/tokens', 201, { email: this.email, password: this.password })).json() as TokenPair
  }

  /**
   * `count` distinct access tokens of one user, by walking a refresh chain: a refresh costs a Redis script
   * and a signature, a login costs a password hash.
   */
  async manyAccessTokens (count: number): Promise<string[]> {
    let pair = await this.tokens()
    const tokens = [pair.access_token]
    while (tokens.length < count) {
      pair = await (await this.call('POST', '/v1/tokens/refresh', 201, { refresh_token: pair.refresh_token })).json() as TokenPair
      tokens.push(pair.access_token)
    }
    return tokens
  }

  async logout (session: Session): Promise<void> {
    await this.call('DELETE', '/v1/sessions/current', 204, undefined, { cookie: session.cookie })
  }

  async revoke (pair: TokenPair): Promise<void> {
    await this.call('POST', '/v1/tokens/revoke', 204, { refresh_token: pair.refresh_token }, { authorization: `Bearer ${pair.access_token}` })
  }

  /** Changes the password with `caller`, which continues; every other credential of the account ends. */
  async changePassword (caller: Session): Promise<void> {
    const newPassword = randomBytes(18).toString('base64url')
    await this.call('PUT', '/v1/users/me/password', 200, { currentPassword: this.password, newPassword },
      { cookie: caller.cookie, 'x-csrf-token': caller.csrfToken })
    this.password = newPassword
  }

  private async call (
    method: string, path: string, expected: number, body?: unknown, headers: Record<string, string> = {}
  ): Promise<Response> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body)
    })
    if (response.status !== expected) {
      throw new Error(`${method} ${path}: expected ${expected}, got ${response.status} ${await response.text()}`)
    }
    return response
  }
}
