import t from 'tap'
import Fastify from 'fastify'
import { isStoreUnavailable, StoreUnavailableError } from '@authpair/redis'
import { defineError, errorContractPlugin, serverOptions } from '../src/index.js'

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

t.test('log lines name their service, request ids are the service\'s own, and Redis commands stay out', async (t) => {
  const logs: string[] = []
  const options = serverOptions({ service: 'auth', logLevel: 'info', logStream: { write: (line: string) => { logs.push(line) } }, bodyLimit: 1024 })
  const app = Fastify(options)
  await app.register(errorContractPlugin, { isStoreUnavailable })
  app.get('/boom', async () => {
    // What ioredis attaches to a rejected command: the command with its arguments.
    throw Object.assign(new Error('OOM command not allowed'), { name: 'ReplyError', command: { name: 'set', args: ['sess:SECRET-ID', '{"csrfToken":"SECRET"}'] } })
  })
  await app.ready()
  await app.inject('/boom')
  await app.inject('/boom')
  type Line = { service?: string, reqId?: string, err?: { command?: unknown } }
  const lines = logs.map((line) => JSON.parse(line) as Line)
  t.ok(lines.every((line) => line.service === 'auth'), 'every line names the service')
  const ids = [...new Set(lines.map((line) => line.reqId).filter(Boolean))]
  t.same(ids, ['auth-1', 'auth-2'], 'request ids carry the service name')
  const failure = lines.find((line) => line.err !== undefined)
  t.same(failure?.err?.command, { name: 'set' }, 'the failed command is logged by name only')
  t.notMatch(logs.join('\n'), /SECRET/, 'no argument reaches the log')
})
