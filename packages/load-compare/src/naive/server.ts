// The textbook version of the two routes this project replaces, for `pnpm bench` to measure against:
// express + express-session (connect-redis) + jsonwebtoken, as their READMEs show them. Bench-only: its
// login route takes the identity from the body, and it is never started outside the benchmark.
import { createPublicKey, type JsonWebKey } from 'node:crypto'
import RedisStore from 'connect-redis'
import express from 'express'
import session from 'express-session'
import { Redis } from 'ioredis'
import jwt from 'jsonwebtoken'

declare module 'express-session' {
  interface SessionData { user: { id: string, email: string, name: string } }
}

const env = process.env
const { keys } = await (await fetch(`${env.AUTH_URL}/.well-known/jwks.json`)).json() as { keys: JsonWebKey[] }
const publicKey = createPublicKey({ key: keys[0] as JsonWebKey, format: 'jwk' }).export({ type: 'spki', format: 'pem' })

const redis = new Redis(env.REDIS_URL ?? 'redis://127.0.0.1:6379')
const app = express()
app.use(express.json())
app.use(session({
  store: new RedisStore({ client: redis, prefix: `${env.REDIS_KEY_PREFIX ?? ''}naive:` }),
  secret: env.SESSION_SECRET ?? 'naive-benchmark-secret',
  resave: false,
  saveUninitialized: false,
  cookie: { httpOnly: true, sameSite: 'lax' }
}))

app.get('/healthz', (_req, res) => { res.json({ status: 'ok' }) })
app.get('/bench/bare', (_req, res) => { res.json({ ok: true }) })
app.post('/bench/login', (req, res) => {
  req.session.user = req.body
  res.status(201).json(req.body)
})
app.get('/v1/me', (req, res) => {
  const header = req.headers.authorization
  if (header?.startsWith('Bearer ') === true) {
    try {
      const claims = jwt.verify(header.slice(7), publicKey, { algorithms: ['RS256'], issuer: env.JWT_ISSUER ?? 'authpair', audience: env.JWT_AUDIENCE ?? 'authpair' }) as jwt.JwtPayload
      res.json({ id: claims.sub, email: claims.email, name: claims.name, auth: 'token' })
    } catch {
      res.status(401).json({ error: 'unauthorized' })
    }
    return
  }
  if (req.session.user === undefined) {
    res.status(401).json({ error: 'unauthorized' })
    return
  }
  res.json({ ...req.session.user, auth: 'session' })
})

const server = app.listen(Number(env.PORT ?? 3009), env.HOST ?? '127.0.0.1')
process.on('SIGTERM', () => { server.close(); redis.disconnect() })
