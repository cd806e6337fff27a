export { denylistReadCommand, isRevoked, issuedAtMs, ownedKeys, publishRevocation } from './records.js'
export type { RevocableClaims, Revocation } from './records.js'
export { denylistCheck, noRevocationCheck, type RevocationCheck } from './checks.js'
export { PushRevocationCheck, type PushCheckOptions } from './push-check.js'
export {
  startRevocationCheck, warnAtMostEvery,
  type CheckLogger, type RevocationCheckOptions, type RevocationMode, type StartedRevocationCheck
} from './start-check.js'
export { revocationPlugin, type RevocationPluginOptions, type Revocations } from './plugin.js'
