// The development stand-in for infra/nginx/gateway.conf: one origin for both services, routed by the
// same paths, so the web page works with `pnpm start` as it does behind the compose gateway.
import { request as forward, createServer } from 'node:http'

const PROFILE_PATHS = new Set(['/v1/me', '/v1/profile'])

/** Listens on `port` and forwards each request to `auth` or `profile` (base URLs). */
export async function startGateway ({ port, host = '127.0.0.1', auth, profile }) {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]
    const target = new URL(req.url ?? '/', PROFILE_PATHS.has(path) ? profile : auth)
    const upstream = forward(target, {
      method: req.method,
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
