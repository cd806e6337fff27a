import t from 'tap'
import Fastify from 'fastify'
import { isStoreUnavailable, StoreUnavailableError } from '@authpair/redis'
import { defineError, errorContractPlugin } from '../src/index.js'

const Teapot = defineError('TEST_TEAPOT', 'invalid_request', 418, 'I am a teapot: %s')

async function appWith (handler: () => unknown) {
  const logs: string[] = []
  const app = Fastify({ logger: { level: 'info', stream: { write: (line: string) => { logs.push(line) } } } })
  await app.register(errorContractPlugin, { isStoreUnavailable })
  app.get('/boom', async () => handler())
  await app.ready()
  return { app, logs }
}

t.test('a coded error answers with its status, contract code and message', async (t) => {
  const { app } = await appWith(() => { throw new Teapot('short and stout') })
  const response = await app.inject('/boom')
  t.equal(response.statusCode, 418)
  t.same(response.json(), { error: 'invalid_request', message: 'I am a teapot: short and stout' })
})

t.test('an unexpected error is a 500 whose body hides the detail, logged with the request id', async (t) => {
  const { app, logs } = await appWith(() => { throw new Error('SELECT * FROM secrets failed at db.internal:5432') })
  const response = await app.inject('/boom')
  t.equal(response.statusCode, 500)
  t.same(response.json(), { error: 'internal_error', message: 'Internal server error' })
  t.notMatch(response.body, /secrets|db\.internal/)
  const line = logs.map((l) => JSON.parse(l)).find((l) => l.msg === 'request failed')
  t.ok(line?.reqId, 'logged with the request id')
  t.match(line?.err?.message, /db\.internal/, 'the detail is in the log')
})

t.test('an unreachable store is a 503 store_unavailable', async (t) => {
  const { app } = await appWith(() => { throw new StoreUnavailableError() })
  const response = await app.inject('/boom')
  t.equal(response.statusCode, 503)
  t.equal(response.json().error, 'store_unavailable')
  const { app: timedOut } = await appWith(() => { throw new Error('Command timed out') })
  t.equal((await timedOut.inject('/boom')).statusCode, 503, "ioredis's timeout counts as unavailable")
})

t.test('an unknown route is a JSON 404', async (t) => {
  const { app } = await appWith(() => 'ok')
  const response = await app.inject('/missing')
  t.equal(response.statusCode, 404)
  t.same(response.json(), { error: 'not_found', message: 'No route for GET /missing' })
})
