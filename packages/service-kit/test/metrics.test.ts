import t from 'tap'
import { Histogram, Registry, type Metric } from 'prom-client'
import { RequestDurations } from '../src/metrics.js'

const observations: Array<[string, string, number, number]> = [
  ['GET', '/v1/me', 200, 0.0004], ['GET', '/v1/me', 200, 0.003], ['GET', '/v1/me', 401, 0.0007],
  ['POST', '/v1/sessions', 201, 0.09], ['POST', '/v1/sessions', 201, 7], ['GET', 'unmatched', 404, 0.001]
]

t.test('request durations export exactly as prom-client\'s own histogram would', async (t) => {
  const reference = new Registry()
  reference.setDefaultLabels({ service: 'test' })
  const histogram = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by route and status',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [reference]
  })
  const ours = new Registry()
  ours.setDefaultLabels({ service: 'test' })
  const durations = new RequestDurations()
  ours.registerMetric(durations as unknown as Metric)
  for (const [method, route, status, seconds] of observations) {
    histogram.labels({ method, route, status_code: status }).observe(seconds)
    durations.observe(method, route, status, seconds)
  }
  t.equal(await ours.metrics(), await reference.metrics(), 'the same Prometheus text')
  // Exemplars (`exemplar: null` on each value of prom-client's) are not kept.
  const asJson = async (registry: Registry) => JSON.parse(JSON.stringify(await registry.getMetricsAsJSON(), (key, value) => key === 'exemplar' ? undefined : value))
  t.same(await asJson(ours), await asJson(reference), 'the same JSON')
  durations.reset()
  t.notMatch(await ours.metrics(), /_count/, 'reset empties it')
})
