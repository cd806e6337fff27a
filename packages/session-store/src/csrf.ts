import { timingSafeEqual } from 'node:crypto'

/**
 * Whether the `x-csrf-token` header a request sent matches the session's CSRF token, compared in time
 * independent of where they differ. Both services check it the same way, against the same field.
 */
export function csrfTokenMatches (sent: unknown, expected: string | undefined): boolean {
  if (typeof sent !== 'string' || expected === undefined) return false
  const left = Buffer.from(sent)
  const right = Buffer.from(expected)
  return left.length === right.length && timingSafeEqual(left, right)
}
