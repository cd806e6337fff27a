export { isRevoked, publishRevocation, revocationChannel, revocationKeys } from './records.js'
export type { RevocableClaims, Revocation } from './records.js'
export { denylistCheck, noRevocationCheck, pushCheck, type RevocationCheck } from './checks.js'
export { revocationPlugin, type RevocationMode, type RevocationPluginOptions, type Revocations } from './plugin.js'
