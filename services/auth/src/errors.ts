import { defineError } from '@authpair/service-kit'

export const InvalidCredentials = defineError('AUTH_INVALID_CREDENTIALS', 'invalid_credentials', 401, 'Email or password is incorrect')
export const EmailTaken = defineError('AUTH_EMAIL_TAKEN', 'email_taken', 409, 'An account with this email already exists')
export const Unauthorized = defineError('AUTH_UNAUTHORIZED', 'unauthorized', 401, 'Log in first: no valid session')
export const CsrfFailed = defineError('AUTH_CSRF_FAILED', 'csrf_failed', 403, 'Missing or wrong x-csrf-token header')
export const SessionNotFound = defineError('AUTH_SESSION_NOT_FOUND', 'not_found', 404, 'You have no session with this id')
export const RateLimited = defineError('AUTH_RATE_LIMITED', 'rate_limited', 429, 'Too many login attempts; retry in %s')
export const RegistrationLimited = defineError('AUTH_REGISTRATION_LIMITED', 'rate_limited', 429, 'Too many registrations; retry in %s')
export const InvalidGrant = defineError('AUTH_INVALID_GRANT', 'invalid_grant', 401, 'The refresh token is invalid, expired, spent or revoked')
export const ReportNotFound = defineError('AUTH_REPORT_NOT_FOUND', 'not_found', 404, 'No load-compare report yet: run `pnpm compare --report report.html`')
export const InvalidRequest = defineError('AUTH_INVALID_REQUEST', 'invalid_request', 400, '%s')
export const Overloaded = defineError('AUTH_OVERLOADED', 'overloaded', 503, 'Too many password checks at once; retry in a moment')
