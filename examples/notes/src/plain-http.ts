// The same credentials without any web framework: the verifier's core takes a request's headers.
import { createServer, type Server } from 'node:http'
import { CredentialVerifier, VerifyError, type VerifierOptions } from '@authpair/verify'

/** GET anything: 200 with the caller's identity, or the verifier's refusal. Closing the server closes the verifier. */
export async function plainService (options: VerifierOptions): Promise<Server> {
  const verifier = await CredentialVerifier.start(options)
  const server = createServer((request, response) => {
    verifier.identify(request.headers).then((identity) => {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(identity))
    }, (error: unknown) => {
      const refused = error instanceof VerifyError ? error : undefined
      response.writeHead(refused?.statusCode ?? 503, {
        'content-type': 'application/json',
        ...(refused?.wwwAuthenticate === undefined ? {} : { 'www-authenticate': refused.wwwAuthenticate })
      }).end(JSON.stringify({ error: refused?.contract ?? 'store_unavailable', message: refused?.message ?? 'try again shortly' }))
    })
  })
  server.on('close', () => { verifier.close().catch(() => {}) })
  return server
}
