export { SessionStore, type SessionLifetimes, type SessionListing } from './store.js'
export {
  TrackingSessionCache, type TrackingCacheOptions, type TrackingCacheStats, type TrackingMode, type WhenStoreDown
} from './tracking-cache.js'
export { SessionReader, sessionCookieName, type SessionLookup, type SessionReaderOptions } from './reader.js'
export { UserIndex } from './user-index.js'
export { RefreshFamilies, type Rotation } from './refresh-families.js'
export { ExpiringCache } from './expiring-cache.js'
export { fastifySessionStore } from './fastify-adapter.js'
export { csrfTokenMatches } from './csrf.js'
export type { SessionRecord } from './record.js'
export { sampleRecord, sessionCommands } from './replay.js'
export { ownedKeys } from './owned-keys.js'
