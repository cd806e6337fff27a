import fp from 'fastify-plugin'
import { Registry, collectDefaultMetrics, type Metric } from 'prom-client'

declare module 'fastify' {
  interface FastifyInstance {
    /** Prometheus registry of this app instance (not the global one, so several apps can live in one process). */
    metrics: Registry
  }
}

const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]
type Labels = Record<'method' | 'route' | 'status_code', string | number>
interface Series { labels: Labels, buckets: number[], sum: number, count: number }
interface Value { metricName: string, labels: Partial<Labels> & { le?: number | string }, value: number }
interface Exported<V> { name: string, help: string, type: string, aggregator: string, values: V[] }

/**
 * `http_request_duration_seconds`, a Prometheus histogram by method, route and status, exported as
 * prom-client exports its own. Observing one is a map lookup and a few additions: prom-client's `observe`
 * validates and hashes the label set on every call (docs/bench.md).
 */
export class RequestDurations {
  readonly name = 'http_request_duration_seconds'
  readonly help = 'HTTP request latency by route and status'
  readonly type = 'histogram'
  readonly aggregator = 'sum'
  // By route, then status, then method: lookups by the same string objects every time, no key built per
  // request. Bounded: the route label is the route pattern, never the URL.
  private readonly byRoute = new Map<string, Map<number, Map<string, Series>>>()

  observe (method: string, route: string, status: number, seconds: number): void {
    let byStatus = this.byRoute.get(route)
    if (byStatus === undefined) this.byRoute.set(route, byStatus = new Map())
    let byMethod = byStatus.get(status)
    if (byMethod === undefined) byStatus.set(status, byMethod = new Map())
    let series = byMethod.get(method)
    if (series === undefined) {
      series = { labels: { method, route, status_code: status }, buckets: BUCKETS.map(() => 0), sum: 0, count: 0 }
      byMethod.set(method, series)
    }
    let bucket = 0
    while (bucket < BUCKETS.length && seconds > (BUCKETS[bucket] as number)) bucket++
    if (bucket < BUCKETS.length) (series.buckets[bucket] as number)++
    series.sum += seconds
    series.count++
  }

  /** The values as prom-client's text export reads its own histogram's: the series' labels shared, `le` its own. */
  async getForPromString (): Promise<Exported<Value & { sharedLabels: Labels }>> {
    const values: Array<Value & { sharedLabels: Labels }> = []
    for (const { labels, buckets, sum, count } of this.allSeries()) {
      let cumulative = 0
      BUCKETS.forEach((bound, index) => {
        cumulative += buckets[index] as number
        values.push({ metricName: `${this.name}_bucket`, labels: { le: bound }, sharedLabels: labels, value: cumulative })
      })
      values.push({ metricName: `${this.name}_bucket`, labels: { le: '+Inf' }, sharedLabels: labels, value: count })
      values.push({ metricName: `${this.name}_sum`, labels: {}, sharedLabels: labels, value: sum })
      values.push({ metricName: `${this.name}_count`, labels: {}, sharedLabels: labels, value: count })
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator }
  }

  /** The values with their labels merged, as prom-client's `get` gives them (the JSON export). */
  async get (): Promise<Exported<Value>> {
    const exported = await this.getForPromString()
    const values = exported.values.map(({ sharedLabels, labels, ...value }) =>
      ({ ...value, labels: { ...sharedLabels, ...labels } }))
    return { ...exported, values }
  }

  reset (): void { this.byRoute.clear() }

  private * allSeries (): Iterable<Series> {
    for (const byStatus of this.byRoute.values()) {
      for (const byMethod of byStatus.values()) yield * byMethod.values()
    }
  }
}

/** `/metrics` in Prometheus text, with request counts and latencies by route and status. */
export const metricsPlugin = fp<{ service: string }>(async (fastify, { service }) => {
  const registry = new Registry()
  registry.setDefaultLabels({ service })
  collectDefaultMetrics({ register: registry })
  const durations = new RequestDurations()
  registry.registerMetric(durations as unknown as Metric)
  fastify.decorate('metrics', registry)
  fastify.addHook('onResponse', (request, reply, done) => {
    durations.observe(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000)
    done()
  })
  fastify.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    return await reply.type(registry.contentType).send(await registry.metrics())
  })
}, { name: 'authpair-metrics', fastify: '5.x' })
