/** Emails are compared trimmed and lower-cased: `Ann@Example.com ` and `ann@example.com` are one account. */
export function normalizeEmail (email: string): string {
  return email.trim().toLowerCase()
}

/** preValidation hook: normalises `body.email` before the schema checks its format. */
export async function normalizeEmailField (request: { body: unknown }): Promise<void> {
  const body = request.body as { email?: unknown } | null
  if (typeof body === 'object' && body !== null && typeof body.email === 'string') body.email = normalizeEmail(body.email)
}
