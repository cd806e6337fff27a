import type { IncomingMessage, ServerResponse } from 'node:http'
import fp from 'fastify-plugin'
import helmet, { type HelmetOptions } from 'helmet'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** This route's own security-header policy, over the service's (e.g. a page's Content-Security-Policy). */
    securityHeaders?: HelmetOptions
    /** Set by the security-headers plugin when the route is added: the headers that policy produces. */
    resolvedSecurityHeaders?: Record<string, string>
  }
}

/**
 * The headers helmet sets for a static policy, computed once. (Per-request values such as CSP nonces are
 * not supported: no route here needs one.)
 */
export function helmetHeaders (policy: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {}
  const response = {
    setHeader: (name: string, value: unknown) => { headers[name.toLowerCase()] = String(value) },
    removeHeader: (name: string) => { delete headers[name.toLowerCase()] }
  }
  helmet(policy)({} as IncomingMessage, response as unknown as ServerResponse, (error?: unknown) => {
    if (error !== undefined) throw error
  })
  return headers
}

/**
 * helmet's security headers on every answer, as @fastify/helmet sets them, but computed once per policy
 * instead of once per request: @fastify/helmet builds helmet's middleware (parsing the CSP directives)
 * for every request, which cost ~10% of a profile process's CPU on GET /v1/me (profiled under
 * `pnpm bench`). Here one callback hook copies a prepared object.
 */
export const securityHeadersPlugin = fp<{ policy: HelmetOptions }>(async (fastify, { policy }) => {
  const global = helmetHeaders(policy)
  fastify.addHook('onRoute', (route) => {
    const own = route.config?.securityHeaders
    if (own === undefined) return
    route.config = { ...route.config, resolvedSecurityHeaders: helmetHeaders({ ...policy, ...own } as HelmetOptions) }
  })
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.headers(request.routeOptions.config.resolvedSecurityHeaders ?? global)
    done()
  })
}, { name: 'authpair-security-headers', fastify: '5.x' })
