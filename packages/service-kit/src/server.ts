import closeWithGrace from 'close-with-grace'
import type { FastifyInstance } from 'fastify'

export interface ListenOptions {
  port: number
  host: string
  shutdownTimeoutMs: number
}

/**
 * The one place that listens. SIGTERM / SIGINT stop accepting connections, let in-flight requests finish
 * (bounded by shutdownTimeoutMs), close Redis through the app's onClose hooks, and exit 0.
 */
export async function startServer (app: FastifyInstance, { port, host, shutdownTimeoutMs }: ListenOptions): Promise<void> {
  closeWithGrace({ delay: shutdownTimeoutMs }, async ({ signal, err }) => {
    if (err !== undefined) app.log.error({ err }, 'closing after an unexpected error')
    else app.log.info({ signal }, 'shutting down: finishing in-flight requests')
    await app.close()
  })
  await app.listen({ port, host })
}
