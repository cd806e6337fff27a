// The scheme name is case-insensitive (RFC 9110 §11.1); the token is a JWT's three base64url segments.
const BEARER = /^Bearer ([\w-]+\.[\w-]+\.[\w-]+)$/i

/** The access token an `Authorization: Bearer …` header carries, or undefined for any other header. */
export function bearerToken (header: string | undefined): string | undefined {
  return BEARER.exec(header ?? '')?.[1]
}
