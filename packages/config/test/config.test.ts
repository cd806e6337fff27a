import t from 'tap'
import { Type } from 'typebox'
import {
  CommonConfigProperties, CommonConfigSchema, ConfigError, DEV_SESSION_SECRET,
  configWarnings, cookieSecure, loadConfig, trustProxySetting
} from '../src/index.js'

const Schema = Type.Object({ ...CommonConfigProperties, PORT: Type.Integer({ default: 3001 }) })

t.test('zero configuration gives working development defaults and a loud warning', async (t) => {
  const config = loadConfig(Schema, {})
  t.equal(config.PORT, 3001)
  t.equal(config.HOST, '127.0.0.1')
  t.equal(config.REDIS_URL, 'redis://127.0.0.1:6379')
  t.equal(config.SESSION_SECRET, DEV_SESSION_SECRET)
  t.equal(cookieSecure(config), false)
  t.match(configWarnings(config).join('\n'), /SESSION_SECRET is not set/)
})

t.test('strings from the environment become the declared types', async (t) => {
  const config = loadConfig(Schema, { PORT: '4000', COOKIE_SECURE: 'true', SESSION_IDLE_TTL: '60', UNRELATED: 'x' })
  t.equal(config.PORT, 4000)
  t.equal(config.COOKIE_SECURE, true)
  t.equal(config.SESSION_IDLE_TTL, 60)
  t.notOk('UNRELATED' in config)
})

t.test('every bad variable is named in one error', async (t) => {
  const error = t.throws(() => loadConfig(Schema, { PORT: 'abc', SESSION_SECRET: 'short', LOG_LEVEL: 'loud' })) as ConfigError
  t.type(error, ConfigError)
  t.match(error.message, /PORT/)
  t.match(error.message, /SESSION_SECRET/)
  t.match(error.message, /LOG_LEVEL/)
  t.notMatch(error.message, /short/, 'a rejected secret is not echoed back')
})

t.test('production refuses the development secret and defaults cookies to Secure', async (t) => {
  t.throws(() => loadConfig(Schema, { NODE_ENV: 'production' }), /SESSION_SECRET is required in production/)
  const config = loadConfig(Schema, { NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(40) })
  t.equal(cookieSecure(config), true)
  t.same(configWarnings(config), [])
  t.equal(cookieSecure(loadConfig(Schema, { NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(40), COOKIE_SECURE: 'false' })), false)
})

t.test('an absolute session lifetime shorter than the idle one is refused', async (t) => {
  t.throws(() => loadConfig(Schema, { SESSION_IDLE_TTL: '100', SESSION_ABSOLUTE_TTL: '50' }), /SESSION_ABSOLUTE_TTL/)
})

t.test('X_FILE reads a secret from a file (Docker and Kubernetes secrets); X itself wins', async (t) => {
  const dir = t.testdir({ secret: 'a-session-secret-from-a-mounted-file-0123\n' })
  const config = loadConfig(Schema, { SESSION_SECRET_FILE: `${dir}/secret` })
  t.equal(config.SESSION_SECRET, 'a-session-secret-from-a-mounted-file-0123', 'trailing newline dropped')
  t.equal(loadConfig(Schema, { SESSION_SECRET_FILE: `${dir}/secret`, SESSION_SECRET: 'the-environment-value-wins-over-the-file' }).SESSION_SECRET, 'the-environment-value-wins-over-the-file')
  const error = t.throws(() => loadConfig(Schema, { SESSION_SECRET_FILE: `${dir}/missing` })) as ConfigError
  t.match(error.message, /SESSION_SECRET_FILE: cannot read .*missing \(ENOENT\)/)
})

t.test('TRUST_PROXY: false, a hop count, or the proxies\' addresses; never every hop in production', async (t) => {
  t.equal(trustProxySetting('false'), false)
  t.equal(trustProxySetting('0'), false)
  t.equal(trustProxySetting('1'), 1)
  t.same(trustProxySetting('10.0.0.0/8, 127.0.0.1,::1, fd00::/8'), ['10.0.0.0/8', '127.0.0.1', '::1', 'fd00::/8'])
  t.equal(trustProxySetting('10.0.0.0/33'), undefined, 'not a CIDR')
  t.equal(trustProxySetting('gateway'), undefined, 'not an address')
  t.equal(trustProxySetting('true'), true, 'allowed on a laptop…')
  const problems = (env: Record<string, string>) => {
    try { loadConfig(CommonConfigSchema, env); return [] } catch (error) { return (error as ConfigError).problems }
  }
  const production = { NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(40) }
  t.match(problems({ ...production, TRUST_PROXY: 'true' }), [/^TRUST_PROXY=true believes every X-Forwarded-For hop/], '…refused in production, one line')
  t.same(problems({ ...production, TRUST_PROXY: '1' }), [])
  t.match(problems({ TRUST_PROXY: 'nginx' }), [/^TRUST_PROXY: must be false, a hop count/])
})

t.test('TRUST_PROXY ranges: what proxy-addr refuses is one config line; production trusts no range wider than /8 or /32', async (t) => {
  const problems = (env: Record<string, string>) => {
    try { loadConfig(CommonConfigSchema, env); return [] } catch (error) { return (error as ConfigError).problems }
  }
  const production = { NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(40) }
  t.match(problems({ TRUST_PROXY: '0.0.0.0/0' }), [/^TRUST_PROXY: invalid range on address: 0\.0\.0\.0\/0/], 'a config error, not a TypeError at boot')
  t.match(problems({ TRUST_PROXY: '::/0' }), [/^TRUST_PROXY: invalid range/])
  t.match(problems({ ...production, TRUST_PROXY: '0.0.0.0/1,128.0.0.0/1' }), [/^TRUST_PROXY: 0\.0\.0\.0\/1, 128\.0\.0\.0\/1 trusts too many/],
    'two halves of the Internet are the Internet')
  t.match(problems({ ...production, TRUST_PROXY: 'fd00::/8' }), [/fd00::\/8 trusts too many/])
  t.match(problems({ ...production, TRUST_PROXY: '::ffff:0.0.0.0/96' }), [/trusts too many/], 'the IPv4-mapped form counts as IPv4')
  t.same(problems({ ...production, TRUST_PROXY: '10.0.0.0/8, 192.168.0.10, fd00:1234::/32' }), [], 'a proxy tier is fine')
  t.same(problems({ TRUST_PROXY: '0.0.0.0/1,128.0.0.0/1' }), [], 'outside production the width is yours to choose')
})
