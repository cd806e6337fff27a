import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import fp from 'fastify-plugin'

export interface DocsOptions {
  title: string
  description: string
  version: string
  /** The session cookie's name, as the session store exports it. */
  sessionCookie: string
}

/** OpenAPI generated from the route schemas: the UI at /docs, the document at /docs/json. */
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
    }
  })
  await fastify.register(swaggerUi, { routePrefix: '/docs', staticCSP: true })
}, { name: 'authpair-docs', fastify: '5.x' })
