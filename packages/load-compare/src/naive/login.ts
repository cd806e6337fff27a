/**
 * A session of the naive express app: its bench-only login route takes the identity from the body and keeps
 * the session in express-session's own records. The cookie to send with later requests.
 */
export async function naiveSessionCookie (
  url: string, user: { id: string, email: string, name: string }
): Promise<string> {
  const response = await fetch(`${url}/bench/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(user)
  })
  const cookie = response.headers.getSetCookie()[0]?.split(';')[0]
  if (response.status !== 201 || cookie === undefined) throw new Error(`naive express login: ${response.status}`)
  return cookie
}
