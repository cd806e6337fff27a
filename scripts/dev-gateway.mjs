// The development stand-in for infra/nginx/gateway.conf: one origin for both services, routed by the
// same paths, so the web page works with `pnpm start` as it does behind the compose gateway.
import { request as forward, createServer } from 'node:http'

const PROFILE_PATHS = new Set(['/v1/me', '/v1/profile', '/v1/verification'])
// Operations surfaces stay on the service ports, as behind nginx.
const HIDDEN = /^\/(metrics|docs|bench)(\/|$)/

function refuse (res, status, error, message) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' })
  res.end(JSON.stringify({ error, message }))
}

/**
 * Listens on `port` and forwards each request to `auth` or `profile` (base URLs). Only origin-form targets
 * (`/path?query`) are forwarded, always to those two fixed upstreams: `GET //host/…` or `GET http://host/…`
 * would otherwise make this an open proxy that any web page the developer opens could reach.
 */
export async function startGateway ({ port, host = '127.0.0.1', auth, profile }) {
  const server = createServer((req, res) => {
    const target = req.url ?? ''
    if (!target.startsWith('/') || target.startsWith('//')) {
      refuse(res, 400, 'invalid_request', 'Only origin-form request targets (/path) are forwarded')
      return
    }
    // Decided on the path the service will route: dot segments resolved, percent-escapes decoded, so
    // `/./metrics`, `/v1/../metrics` and `/%6Detrics` are all `/metrics` here as they are there.
    let path
    try {
      path = decodeURIComponent(new URL(target, 'http://gateway').pathname)
    } catch {
      refuse(res, 400, 'invalid_request', 'The path is not valid percent-encoding')
      return
    }
    if (HIDDEN.test(path)) {
      refuse(res, 404, 'not_found', 'Not served by the gateway')
      return
    }
    const upstream = forward(new URL(target, PROFILE_PATHS.has(path) ? profile : auth), {
      method: req.method,
      // Overwritten, never appended: the services trust this one hop (TRUST_PROXY=1).
      headers: { ...req.headers, 'x-forwarded-for': req.socket.remoteAddress ?? '' }
    }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(res)
    })
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ error: 'bad_gateway', message: 'The service behind the gateway did not answer' }))
    })
    req.pipe(upstream)
  })
  await new Promise((resolve, reject) => server.once('error', reject).listen(port, host, resolve))
  return server
}
