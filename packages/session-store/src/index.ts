export { SessionStore, type SessionLifetimes, type SessionListing } from './store.js'
export { fastifySessionStore } from './fastify-adapter.js'
export { extendExpiry } from './expiry.js'
export { keys, type SessionRecord } from './record.js'
