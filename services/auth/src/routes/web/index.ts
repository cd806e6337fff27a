import { readFile } from 'node:fs/promises'
import type { HelmetOptions } from '@authpair/service-kit'
import type { FastifyPluginAsync } from 'fastify'
import { ReportNotFound } from '../../errors.js'

const webDir = new URL('../../../web/', import.meta.url)

/** The page may load its own script and style and talk to this origin; nothing else. */
const PAGE_POLICY: HelmetOptions = {
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'none'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      connectSrc: ["'self'"],
      imgSrc: ["'self'"],
      formAction: ["'self'"],
      baseUri: ["'none'"],
      frameAncestors: ["'none'"]
    }
  }
}
/** The load-compare report is one file: inline styles and inline SVG, no script. */
const REPORT_POLICY: HelmetOptions = {
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], styleSrc: ["'unsafe-inline'"], imgSrc: ['data:'], frameAncestors: ["'none'"] } }
}

export interface WebOptions {
  /** The latest `pnpm compare --report` output, served at /report when it exists. */
  reportFile?: string
}

/** A page for people: register, log in both ways, call the profile service, log out, revoke. */
const webRoutes: FastifyPluginAsync<WebOptions> = async (fastify, { reportFile }) => {
  const files = [
    { url: '/', file: 'index.html', type: 'text/html; charset=utf-8' },
    { url: '/app.js', file: 'app.js', type: 'text/javascript; charset=utf-8' },
    { url: '/app.css', file: 'app.css', type: 'text/css; charset=utf-8' }
  ]
  for (const { url, file, type } of files) {
    const content = await readFile(new URL(file, webDir), 'utf8')
    fastify.get(url, { schema: { hide: true }, config: { securityHeaders: PAGE_POLICY } }, async (_request, reply) =>
      await reply.type(type).header('cache-control', 'no-cache').send(content))
  }
  fastify.get('/report', { schema: { hide: true }, config: { securityHeaders: REPORT_POLICY } }, async (_request, reply) => {
    const report = reportFile === undefined || reportFile === '' ? undefined : await readFile(reportFile, 'utf8').catch(() => undefined)
    if (report === undefined) throw new ReportNotFound()
    return await reply.type('text/html; charset=utf-8').send(report)
  })
}

export default webRoutes
