import fp from 'fastify-plugin'
import { Counter } from 'prom-client'

declare module 'fastify' {
  interface FastifyInstance {
    loginCounter: Counter<'mode' | 'outcome'>
  }
}

/** `authpair_logins_total{mode="session"|"token", outcome="accepted"|"rejected"}`. */
export const loginMetricsPlugin = fp(async (fastify) => {
  fastify.decorate('loginCounter', new Counter({
    name: 'authpair_logins_total',
    help: 'Login attempts by mode and outcome',
    labelNames: ['mode', 'outcome'] as const,
    registers: [fastify.metrics]
  }))
}, { name: 'authpair-login-metrics', dependencies: ['authpair-metrics'] })
