import fp from 'fastify-plugin'
import { docsPlugin, type DocsOptions } from './docs.js'
import { drainPlugin } from './drain.js'
import { errorContractPlugin, type ErrorContractOptions } from './errors.js'
import { healthPlugin, type HealthOptions } from './health.js'
import { metricsPlugin } from './metrics.js'
import { securityHeadersPlugin } from './security-headers.js'

export interface OpsOptions extends ErrorContractOptions, HealthOptions {
  service: string
  docs: DocsOptions
}

/**
 * Everything a service has besides its own routes: the error contract, security headers, draining, metrics,
 * health and readiness, OpenAPI docs. Registered first, so every route after it is covered.
 */
export const opsPlugin = fp<OpsOptions>(async (fastify, options) => {
  await fastify.register(errorContractPlugin, { isStoreUnavailable: options.isStoreUnavailable })
  // First of the routes' plugins: the document covers every route registered after it, health included.
  await fastify.register(docsPlugin, options.docs)
  // The docs UI needs its own inline scripts and styles; @fastify/swagger-ui sets a CSP for its routes.
  // The API answers JSON only: nothing in it may load, frame or run anything. The docs UI sets its
  // own, wider policy on its own pages (@fastify/swagger-ui staticCSP).
  await fastify.register(securityHeadersPlugin, {
    policy: {
      contentSecurityPolicy: {
        useDefaults: false,
        directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"] }
      }
    }
  })
  await fastify.register(drainPlugin)
  await fastify.register(metricsPlugin, { service: options.service })
  await fastify.register(healthPlugin, { dependencies: options.dependencies, readyWhen: options.readyWhen })
}, { name: 'authpair-ops', fastify: '5.x' })
