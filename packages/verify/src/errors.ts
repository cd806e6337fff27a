/**
 * The answers a verifier gives, as errors any Fastify error handler understands (`statusCode`, a fixed
 * `message`), with the contract's code and, for 401s, the RFC 6750 challenge as a typed field.
 */
export class VerifyError extends Error {
  constructor (
    message: string,
    readonly statusCode: 401 | 403 | 503,
    /** The HTTP contract's machine code. */
    readonly contract: 'unauthorized' | 'csrf_failed' | 'store_unavailable',
    /** 401 only: the `WWW-Authenticate` challenge to send with it. */
    readonly wwwAuthenticate?: string
  ) {
    super(message)
    this.name = 'VerifyError'
  }
}

// RFC 6750 §3.1: no error code when no credential came; invalid_token when a bad or expired one did.
export const CHALLENGE = 'Bearer realm="authpair"'
export const INVALID_TOKEN = 'Bearer realm="authpair", error="invalid_token"'

/** 401: no credential, or one that is not accepted; `reason` is the message. */
export class Unauthorized extends VerifyError {
  constructor (reason: string, wwwAuthenticate = CHALLENGE) {
    super(reason, 401, 'unauthorized', wwwAuthenticate)
  }
}

/** 403: a cookie request that changes state without the session's CSRF token. */
export class CsrfFailed extends VerifyError {
  constructor () { super('Missing or wrong x-csrf-token header', 403, 'csrf_failed') }
}

/** 503: no signing key is known yet (the auth service has not answered); retried in the background. */
export class KeysUnavailable extends VerifyError {
  constructor () { super('Token signing keys are not known yet; try again shortly', 503, 'store_unavailable') }
}
