import fp from 'fastify-plugin'
import { Histogram, Registry, collectDefaultMetrics } from 'prom-client'

declare module 'fastify' {
  interface FastifyInstance {
    /** Prometheus registry of this app instance (not the global one, so several apps can live in one process). */
    metrics: Registry
  }
}

/** `/metrics` in Prometheus text, with request counts and latencies by route and status. */
export const metricsPlugin = fp<{ service: string }>(async (fastify, { service }) => {
  const registry = new Registry()
  registry.setDefaultLabels({ service })
  collectDefaultMetrics({ register: registry })
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by route and status',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry]
  })
  fastify.decorate('metrics', registry)
  // One labelled child per method, route and status, looked up by a string instead of prom-client hashing
  // the label object on every request; bounded, because the label is the route pattern, never the URL.
  const children = new Map<string, ReturnType<typeof duration.labels>>()
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched'
    const key = `${request.method} ${reply.statusCode} ${route}`
    let child = children.get(key)
    if (child === undefined) {
      child = duration.labels({ method: request.method, route, status_code: reply.statusCode })
      children.set(key, child)
    }
    child.observe(reply.elapsedTime / 1000)
    done()
  })
  fastify.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    return await reply.type(registry.contentType).send(await registry.metrics())
  })
}, { name: 'authpair-metrics', fastify: '5.x' })
