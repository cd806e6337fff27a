import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { RouteOptions } from 'fastify'
import fp from 'fastify-plugin'

export interface DocsOptions {
  title: string
  description: string
  version: string
  /** The session cookie's name, as the session store exports it. */
  sessionCookie: string
}

type Schema = Record<string, unknown> & { response?: Record<string, Record<string, unknown>>, security?: unknown }

// What every status means across both services (docs/api.md), for responses that say nothing themselves.
const DESCRIPTIONS: Record<string, string> = {
  200: 'OK',
  201: 'Created',
  204: 'Done; no body',
  400: '`invalid_request`: bad input (wrong types, missing or unknown fields, malformed body)',
  401: '`unauthorized`, `invalid_credentials` or `invalid_grant`: no valid credential',
  403: '`csrf_failed`: the `x-csrf-token` header is missing or wrong',
  404: '`not_found`',
  409: '`email_taken`',
  429: '`rate_limited`: too many attempts; retry after `Retry-After` seconds',
  503: '`store_unavailable` (Redis unreachable, answered within its bound) or `overloaded` (with `Retry-After`)'
}
const RETRY_AFTER = { 'retry-after': { type: 'integer', description: 'seconds to wait before trying again' } }
const CHALLENGE = {
  'www-authenticate': { type: 'string', description: '`Bearer realm="authpair"`, with `error="invalid_token"` when a bad or expired token was sent' }
}

/** `onTokenLogin` → `tokenLogin`: the route handlers are named for what they do. */
function operationId (route: RouteOptions, url: string): string {
  const name = typeof route.handler === 'function' ? route.handler.name : ''
  if (/^on[A-Z]/.test(name)) return name[2]?.toLowerCase() + name.slice(3)
  return `${String(route.method).toLowerCase()}${url.replace(/[^a-zA-Z0-9]+(.)?/g, (_m, c: string | undefined) => c?.toUpperCase() ?? '')}`
}

/** Names, descriptions and the headers clients rely on, added to every documented route in one place. */
function document ({ schema, url, route }: { schema: Schema, url: string, route: RouteOptions }) {
  if (schema === undefined || schema.hide === true) return { schema, url }
  const headersFor = (status: string) =>
    status === '429' || status === '503' ? RETRY_AFTER : status === '401' ? CHALLENGE : undefined
  const response = Object.fromEntries(Object.entries(schema.response ?? {}).map(([status, body]) => {
    const headers = headersFor(status)
    const described = { description: DESCRIPTIONS[status] ?? 'Response', ...body }
    if (headers === undefined) return [status, described]
    return [status, { ...described, headers: { ...headers, ...(body.headers as object) } }]
  }))
  const id = schema.operationId ?? operationId(route, url)
  return { url, schema: { ...schema, operationId: id, response, security: schema.security ?? [] } }
}

/**
 * OpenAPI generated from the route schemas: the UI at /docs, the document at /docs/json. Registered before
 * every route it documents. Operations without `security` are public (`security: []`); shared schemas keep
 * their `$id` as their name (`ErrorBody`, not `def-0`).
 */
export const docsPlugin = fp<DocsOptions>(async (fastify, { title, description, version, sessionCookie }) => {
  await fastify.register(swagger, {
    openapi: {
      info: { title, description, version },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
          session: { type: 'apiKey', in: 'cookie', name: sessionCookie }
        }
      }
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => typeof json.$id === 'string' ? json.$id : `def-${i}`
    },
    transform: document as never
  })
  await fastify.register(swaggerUi, { routePrefix: '/docs', staticCSP: true })
}, { name: 'authpair-docs', fastify: '5.x' })
