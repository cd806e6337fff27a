import { randomBytes, timingSafeEqual } from 'node:crypto'

/** An unguessable URL-safe token of `bytes` random bytes. */
export function randomToken (bytes = 32): string {
  return randomBytes(bytes).toString('base64url')
}

/** Compares two secrets in time independent of where they differ. */
export function safeEqual (a: string, b: string): boolean {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  return left.length === right.length && timingSafeEqual(left, right)
}
