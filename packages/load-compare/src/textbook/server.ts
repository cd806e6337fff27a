// The reference `pnpm bench --instructions` measures authpair against: the same three GET routes written the
// way the Fastify plugins' READMEs show them, with nothing else. @fastify/session over a minimal ioredis
// store that reads the sessions the auth service writes, and @fastify/jwt with the RS256 key fetched once from
// the auth service's JWKS; each plugin scoped to its own route. Bench-only: it is never started elsewhere.
import { createPublicKey, type JsonWebKey } from 'node:crypto'
import fastifyCookie from '@fastify/cookie'
import fastifyJwt from '@fastify/jwt'
import fastifySession, { type SessionStore } from '@fastify/session'
import Fastify, { type FastifyInstance } from 'fastify'
import { Redis } from 'ioredis'

const env = process.env
const { keys } = await (await fetch(`${env.AUTH_URL}/.well-known/jwks.json`)).json() as { keys: JsonWebKey[] }
const publicKey = createPublicKey({ key: keys[0] as JsonWebKey, format: 'jwk' }).export({ type: 'spki', format: 'pem' })
const redis = new Redis(env.REDIS_URL ?? 'redis://127.0.0.1:6379', { keyPrefix: env.REDIS_KEY_PREFIX ?? '' })

type Callback = (error?: unknown) => void
/** The smallest store @fastify/session accepts, over the records the auth service keeps at `sess:<id>`. */
const store: SessionStore = {
  get (sessionId, callback) {
    redis.get(`sess:${sessionId}`).then((json) => callback(null, json === null ? null : JSON.parse(json)), callback)
  },
  set (sessionId, session, callback) {
    redis.set(`sess:${sessionId}`, JSON.stringify(session)).then(() => callback(), callback)
  },
  destroy (sessionId, callback: Callback) {
    redis.del(`sess:${sessionId}`).then(() => callback(), callback)
  }
}

declare module 'fastify' {
  interface Session { userId?: string, email?: string, name?: string }
}

const Me = {
  type: 'object',
  properties: { id: { type: 'string' }, email: { type: 'string' }, name: { type: 'string' }, auth: { type: 'string' } }
} as const

const app = Fastify({ logger: { level: env.LOG_LEVEL ?? 'info' } })
app.get('/healthz', async () => ({ status: 'ok' }))
app.get('/bench/bare', async () => ({ ok: true }))

await app.register(async function sessionRoutes (scope: FastifyInstance) {
  await scope.register(fastifyCookie)
  await scope.register(fastifySession, {
    secret: env.SESSION_SECRET as string,
    cookieName: 'sid',
    cookie: { secure: false, httpOnly: true, sameSite: 'lax' },
    saveUninitialized: false,
    rolling: false,
    store
  })
  scope.get('/v1/me/session', { schema: { response: { 200: Me, 401: { type: 'object', properties: { error: { type: 'string' } } } } } }, async (request, reply) => {
    const userId = request.session.get('userId')
    if (userId === undefined) return await reply.code(401).send({ error: 'unauthorized' })
    return { id: userId, email: request.session.get('email'), name: request.session.get('name'), auth: 'session' }
  })
})

await app.register(async function tokenRoutes (scope: FastifyInstance) {
  await scope.register(fastifyJwt, {
    secret: { public: publicKey as string },
    verify: { algorithms: ['RS256'], allowedIss: env.JWT_ISSUER ?? 'authpair', allowedAud: env.JWT_AUDIENCE ?? 'authpair' }
  })
  scope.get('/v1/me/token', { schema: { response: { 200: Me } } }, async (request) => {
    const claims = await request.jwtVerify<{ sub: string, email: string, name: string }>()
    return { id: claims.sub, email: claims.email, name: claims.name, auth: 'token' }
  })
})

await app.listen({ port: Number(env.PORT ?? 3010), host: env.HOST ?? '127.0.0.1' })
process.on('SIGTERM', () => { app.close().then(() => redis.disconnect(), () => process.exit(1)) })
