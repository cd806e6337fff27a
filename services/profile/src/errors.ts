import { defineError } from '@authpair/service-kit'

export const Unauthorized = defineError('PROFILE_UNAUTHORIZED', 'unauthorized', 401, '%s')
export const CsrfFailed = defineError('PROFILE_CSRF_FAILED', 'csrf_failed', 403, 'Missing or wrong x-csrf-token header')
export const KeysUnavailable = defineError('PROFILE_KEYS_UNAVAILABLE', 'store_unavailable', 503, 'Token signing keys are not known yet; try again shortly')
export const AccountDeleted = defineError('PROFILE_ACCOUNT_DELETED', 'unauthorized', 401, 'This account has been deleted')
