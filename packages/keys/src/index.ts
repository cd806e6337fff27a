export { JWT_ALGORITHM, KeyRing, type PublicJwk, type SigningKey } from './key-ring.js'
export { generatePrivateJwk, loadKeyRing, type KeySource } from './load.js'
export { ACCESS_TOKEN_TYPE, isAccessTokenClaims, type AccessTokenClaims } from './claims.js'
