import t from 'tap'
import { readFileSync } from 'node:fs'
import SwaggerParser from '@apidevtools/swagger-parser'
import { startSystem } from './helpers.js'
import { OPENAPI_FILE, openApiDocuments, openApiText } from './openapi-document.js'

interface Operation {
  operationId?: string
  security?: unknown[]
  parameters?: Array<{ in: string, name: string }>
  responses: Record<string, { description: string, headers?: Record<string, unknown> }>
}
type Document = { paths: Record<string, Record<string, Operation>>, components: { schemas?: Record<string, unknown> } }

// What a user sees first at /docs: both OpenAPI documents, checked by a real validator and for the details a
// client generator relies on.
t.test('both OpenAPI documents are valid and say what clients need', async (t) => {
  const system = await startSystem(t)
  for (const [service, base] of [['auth', system.auth], ['profile', system.profile]] as const) {
    const document = await (await fetch(`${base}/docs/json`)).json() as Document
    await t.resolves(SwaggerParser.validate(structuredClone(document) as never), `${service}: valid OpenAPI`)
    t.ok(document.paths['/healthz'] !== undefined && document.paths['/readyz'] !== undefined, `${service}: health and readiness documented`)
    t.ok(document.components.schemas?.ErrorBody !== undefined, `${service}: the error schema is named ErrorBody`)
    t.notOk(Object.keys(document.components.schemas ?? {}).some((name) => /^def-\d+$/.test(name)), `${service}: no def-N names`)
    const operations = Object.entries(document.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ at: `${method.toUpperCase()} ${path}`, op })))
    const ids = operations.map(({ op }) => op.operationId)
    t.ok(ids.every((id) => typeof id === 'string' && id.length > 0), `${service}: every operation has an operationId`)
    t.equal(new Set(ids).size, ids.length, `${service}: operationIds are unique`)
    for (const { at, op } of operations) {
      t.ok(Array.isArray(op.security), `${at}: security stated (public operations: [])`)
      t.notOk(Object.values(op.responses).some((response) => response.description === 'Default Response'), `${at}: responses described`)
      if (op.responses['429'] !== undefined) t.ok(op.responses['429'].headers?.['retry-after'], `${at}: 429 documents Retry-After`)
      if (op.responses['401'] !== undefined) t.ok(op.responses['401'].headers?.['www-authenticate'], `${at}: 401 documents WWW-Authenticate`)
    }
    if (service === 'auth') {
      const paths = document.paths as Record<string, Record<string, Operation>>
      t.same(paths['/v1/users']?.post?.security, [], 'registration is public')
      t.ok(paths['/v1/sessions']?.post?.responses['201']?.headers?.['set-cookie'], 'session login documents Set-Cookie')
      const revoke = paths['/v1/tokens/revoke']?.post
      t.notOk(revoke?.parameters?.some((parameter) => parameter.in === 'header' && parameter.name === 'authorization'),
        'the revoke route\'s bearer is a security scheme, not a header parameter')
      t.same(revoke?.security, [{ bearer: [] }, {}], 'an optional bearer')
      const fields = (op: Operation | undefined) =>
        Object.keys((op as { requestBody?: { content: Record<string, { schema: { properties: object } }> } })?.requestBody?.content['application/json']?.schema.properties ?? {})
      const change = paths['/v1/users/me/password']?.put
      t.same(fields(change), ['currentPassword', 'newPassword'], 'the password change and its body')
      t.same(change?.security, [{ session: [] }, { bearer: [] }], 'with the session or a bearer token')
      t.ok(change?.responses['200'] !== undefined && change.responses['201'] !== undefined, 'a session answer (200) and a token pair (201)')
      const removal = paths['/v1/users/me']?.delete
      t.same(fields(removal), ['password'], 'the deletion and its body')
      t.same(Object.keys(removal?.responses ?? {}).sort(), ['204', '400', '401', '403', '429', '503'])
    } else {
      t.same(document.paths['/v1/me']?.get?.security, [{ bearer: [] }, { session: [] }])
    }
  }
})

t.test('docs/openapi.json is current: what the routes generate now (pnpm docs:openapi writes it)', async (t) => {
  const committed = readFileSync(OPENAPI_FILE, 'utf8')
  t.equal(committed, openApiText(await openApiDocuments()), 'run `pnpm docs:openapi` and commit the result')
})
