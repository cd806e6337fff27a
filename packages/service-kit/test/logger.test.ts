import t from 'tap'
import Fastify from 'fastify'
import { loggerOptions, serverOptions } from '../src/index.js'

async function loggingApp () {
  const logs: string[] = []
  const app = Fastify(serverOptions({ service: 'test', logLevel: 'info', bodyLimit: 1024, logStream: { write: (line: string) => { logs.push(line) } } }))
  app.post('/echo', async (request) => {
    const body = request.body as Record<string, unknown>
    request.log.info({ body }, 'body as received')
    request.log.info({ headers: request.headers }, 'headers as received')
    request.log.info({ password: body.password, email: body.email }, 'fields at the top level')
    request.log.child({ token: 'child-binding-token' }).info('child logger')
    request.log.info({ nested: { deeper: { kept: 'one level down is the contract' } } }, 'deeper objects')
    return { ok: true }
  })
  await app.ready()
  return { app, logs }
}

t.test('no credential reaches a log line, whether top level, one level down, or in a child binding', async (t) => {
  const { app, logs } = await loggingApp()
  const response = await app.inject({
    method: 'POST',
    url: '/echo',
    headers: { authorization: 'Bearer secret-access-token', cookie: 'sid=secret-session-cookie', 'x-csrf-token': 'secret-csrf' },
    payload: { email: 'who@example.com', password: 'secret-password', refresh_token: 'secret-refresh', currentPassword: 'secret-current', newPassword: 'secret-new' }
  })
  t.equal(response.statusCode, 200)
  const text = logs.join('')
  t.notMatch(text, /secret-/, 'no secret in any line')
  const lines = logs.map((line) => JSON.parse(line))
  const byMessage = (msg: string) => lines.find((line) => line.msg === msg)
  t.same(byMessage('body as received').body, {
    email: 'who@example.com', password: '[redacted]', refresh_token: '[redacted]', currentPassword: '[redacted]', newPassword: '[redacted]'
  }, 'what is not secret is kept')
  t.equal(byMessage('headers as received').headers.authorization, '[redacted]')
  t.equal(byMessage('headers as received').headers.cookie, '[redacted]')
  t.equal(byMessage('headers as received').headers['x-csrf-token'], '[redacted]')
  t.equal(byMessage('fields at the top level').password, '[redacted]')
  t.equal(byMessage('fields at the top level').email, 'who@example.com')
  t.equal(byMessage('child logger').token, '[redacted]')
  t.same(byMessage('deeper objects').nested, { deeper: { kept: 'one level down is the contract' } })
  t.ok(lines.some((line) => line.msg === 'incoming request' && typeof line.reqId === 'string'), 'request lines are still written')
})

t.test('the logged object itself is never changed by redaction', async (t) => {
  const logs: string[] = []
  const app = Fastify(serverOptions({ logLevel: 'info', bodyLimit: 1024, logStream: { write: (line: string) => { logs.push(line) } } }))
  await app.ready()
  const body = { password: 'secret-password' }
  app.log.info({ body }, 'once')
  t.equal(body.password, 'secret-password', 'the caller still has its value')
  t.notMatch(logs.join(''), /secret-password/)
})

t.test('LOG_FORMAT: pretty asks for pino-pretty, json never does, auto only on a terminal', async (t) => {
  const target = (format: 'auto' | 'pretty' | 'json') =>
    (loggerOptions('info', undefined, 'test', format) as { transport?: { target: string } }).transport?.target
  t.equal(target('pretty'), 'pino-pretty')
  t.equal(target('json'), undefined)
  t.equal(target('auto'), process.stdout.isTTY ? 'pino-pretty' : undefined)
})
