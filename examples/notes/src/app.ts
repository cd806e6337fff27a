// A second resource service: notes for whoever the credential says you are. Everything about accepting
// authpair's sessions and tokens is the one `register` below; the rest is this service's own data.
import Fastify, { type FastifyInstance } from 'fastify'
import { Redis } from 'ioredis'
import { verifyPlugin, type VerifierOptions } from '@authpair/verify'

export interface NotesOptions {
  /** The Redis the auth service uses, and its key prefix (sessions and revocations are read there). */
  redisUrl: string
  authKeyPrefix: string
  /** The rest of what the verifier needs: the auth service's URL, the session secret, issuer, audience… */
  verify: Omit<VerifierOptions, 'redis'>
}

const Note = {
  type: 'object',
  required: ['text'],
  additionalProperties: false,
  properties: { text: { type: 'string', minLength: 1, maxLength: 500 } }
} as const

export async function buildNotes ({ redisUrl, authKeyPrefix, verify }: NotesOptions): Promise<FastifyInstance> {
  const app = Fastify()
  const redis = new Redis(redisUrl, { keyPrefix: authKeyPrefix, lazyConnect: true, enableOfflineQueue: false })
  await redis.connect()
  const notes = redis.duplicate({ keyPrefix: 'notes:' }) // this service's own data, under its own prefix
  await notes.connect()
  app.addHook('onClose', async () => { await Promise.all([redis.quit(), notes.quit()]) })

  await app.register(verifyPlugin, { ...verify, redis })

  app.get('/v1/notes', { onRequest: app.authenticate }, async (request) => ({
    notes: await notes.lrange(`{${request.identity.id}}`, 0, -1)
  }))
  app.post<{ Body: { text: string } }>('/v1/notes', {
    onRequest: app.authenticate, preHandler: app.requireCsrf, schema: { body: Note }
  }, async (request, reply) => {
    await notes.rpush(`{${request.identity.id}}`, request.body.text)
    return await reply.code(201).send({ text: request.body.text })
  })
  return app
}
