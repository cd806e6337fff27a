import fp from 'fastify-plugin'
import { Gauge } from 'prom-client'
import { Type } from 'typebox'

/** Each dependency by name: true while it answers. */
export type DependencyStates = Record<string, boolean>

export interface HealthOptions {
  /** The state of every dependency, checked when readiness is asked. */
  dependencies: () => Promise<DependencyStates>
  /**
   * Whether the service can serve with these states. A dependency every replica shares (Redis) must not
   * decide alone for a service that still serves without it: failing readiness would pull every replica
   * at once, the ones still serving included. Default: every dependency answers.
   */
  readyWhen?: (states: DependencyStates) => boolean
}

const Readiness = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('not ready')]),
  dependencies: Type.Record(Type.String(), Type.Union([Type.Literal('up'), Type.Literal('down')]))
}, { description: 'the service and each dependency' })
const Status = Type.Object({ status: Type.Literal('ok') })

/**
 * /healthz: the process runs. /readyz: the service can serve, so a load balancer may send traffic; the body
 * names each dependency's state, which `authpair_dependency_up` also reports.
 */
export const healthPlugin = fp<HealthOptions>(async (fastify, { dependencies, readyWhen }) => {
  const up = new Gauge({
    name: 'authpair_dependency_up',
    help: 'Whether each dependency answered the last readiness check (1) or not (0)',
    labelNames: ['dependency'] as const,
    registers: [fastify.metrics]
  })
  const isReady = readyWhen ?? ((states: DependencyStates) => Object.values(states).every(Boolean))

  fastify.get('/healthz', {
    schema: { tags: ['operations'], summary: 'The process runs', security: [], response: { 200: Status } }
  }, async function onHealth () { return { status: 'ok' as const } })
  fastify.get('/readyz', {
    schema: {
      tags: ['operations'],
      summary: 'Whether the service can serve, and the state of each dependency',
      security: [],
      response: { 200: Readiness, 503: Readiness }
    }
  }, async function onReadiness (request, reply) {
    const states = await dependencies()
    for (const [name, answers] of Object.entries(states)) up.set({ dependency: name }, answers ? 1 : 0)
    const body = {
      status: isReady(states) ? 'ready' as const : 'not ready' as const,
      dependencies: Object.fromEntries(Object.entries(states).map(([name, answers]) => [name, answers ? 'up' as const : 'down' as const]))
    }
    if (body.status === 'ready') return body
    request.log.warn({ dependencies: body.dependencies }, 'not ready')
    return await reply.code(503).send(body)
  })
}, { name: 'authpair-health', fastify: '5.x', dependencies: ['authpair-error-contract', 'authpair-metrics'] })
