export { CredentialVerifier, type CredentialHeaders, type Identity } from './verifier.js'
export { validateVerifierOptions, VerifierOptionsError, type VerifierOptions } from './options.js'
export { CsrfFailed, KeysUnavailable, Unauthorized, VerifyError } from './errors.js'
export { verifyPlugin } from './plugin.js'
