import proxyAddr from '@fastify/proxy-addr'
import ipaddr from 'ipaddr.js'
import { readFileSync } from 'node:fs'
import { isIP } from 'node:net'
import { Type, type Static, type TObject, type TProperties, type TSchema } from 'typebox'
import { Value } from 'typebox/value'

/** Used only outside production, and announced loudly at boot (see `configWarnings`). */
export const DEV_SESSION_SECRET = 'authpair-dev-only-session-secret-never-use-in-production'

const Seconds = (defaultValue: number, description: string) =>
  Type.Integer({ minimum: 1, default: defaultValue, description })

/**
 * Settings both services read. Each service spreads these properties into its own schema,
 * so the schema is written once and the TypeScript type is derived from it (`Static<>`).
 */
export const CommonConfigProperties = {
  NODE_ENV: Type.Union([Type.Literal('development'), Type.Literal('production'), Type.Literal('test')], {
    default: 'development'
  }),
  HOST: Type.String({ default: '127.0.0.1', minLength: 1 }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)),
    { default: 'info' }
  ),
  LOG_FORMAT: Type.Union([Type.Literal('auto'), Type.Literal('pretty'), Type.Literal('json')], {
    default: 'auto',
    description: 'pretty: one readable line per entry (pino-pretty); json: one JSON object per line; auto: pretty on a terminal, else json'
  }),
  REDIS_URL: Type.String({ default: 'redis://127.0.0.1:6379', pattern: '^rediss?://' }),
  REDIS_CLUSTER_NODES: Type.Optional(Type.String({ pattern: '^[^,:]+:\\d+(,[^,:]+:\\d+)*$' })),
  REDIS_SENTINELS: Type.Optional(Type.String({ pattern: '^[^,:]+:\\d+(,[^,:]+:\\d+)*$' })),
  REDIS_SENTINEL_NAME: Type.Optional(Type.String({ minLength: 1 })),
  REDIS_PASSWORD: Type.Optional(Type.String({
    minLength: 1, description: 'for Sentinel and Cluster (and the Sentinels themselves); a standalone REDIS_URL may carry its own'
  })),
  REDIS_KEY_PREFIX: Type.String({ default: 'authpair:', description: 'prefix of every key this system writes' }),
  REDIS_COMMAND_TIMEOUT_MS: Type.Integer({ minimum: 10, default: 500, description: 'bound on one Redis command' }),
  REDIS_AUTO_PIPELINING: Type.Boolean({
    default: true,
    description: 'send the commands of concurrent requests in one write: less CPU per request, up to one more round trip of latency'
  }),
  SESSION_SECRET: Type.String({ default: DEV_SESSION_SECRET, minLength: 32 }),
  COOKIE_SECURE: Type.Optional(Type.Boolean()),
  SESSION_IDLE_TTL: Seconds(1800, 'a session unused this long ends'),
  SESSION_ABSOLUTE_TTL: Seconds(43200, 'a session ends this long after login, used or not'),
  JWT_ISSUER: Type.String({ default: 'http://127.0.0.1:3001', minLength: 1, description: 'iss claim: auth signs it, profile checks it' }),
  JWT_AUDIENCE: Type.String({ default: 'authpair', minLength: 1, description: 'aud claim: auth signs it, profile checks it' }),
  ACCESS_TOKEN_TTL: Type.Integer({
    minimum: 1, default: 900, description: 'seconds an access token lives: auth signs with it, profile refuses longer-lived tokens'
  }),
  JWT_CLOCK_LEEWAY: Type.Integer({
    minimum: 0,
    maximum: 300,
    default: 1,
    description: 'seconds of clock skew tolerated on exp/nbf/iat; every revocation is kept this long past exp'
  }),
  TRUST_PROXY: Type.String({
    default: 'false',
    description: 'whose X-Forwarded-For is believed: false, a hop count, or a comma list of proxy addresses/CIDRs'
  }),
  SHUTDOWN_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 10000, description: 'grace period for in-flight requests' })
} satisfies TProperties

export class ConfigError extends Error {
  constructor (readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
    this.name = 'ConfigError'
  }
}

type Env = Record<string, string | undefined>

/**
 * Reads the properties of `schema` from environment variables: converts strings to the declared types,
 * fills defaults, drops unknown variables, and throws one ConfigError naming every bad variable.
 */
export function loadConfig<T extends TObject> (schema: T, env: Env = process.env): Static<T> {
  const raw: Record<string, unknown> = {}
  const problems: string[] = []
  for (const key of Object.keys(schema.properties)) {
    const value = env[key] ?? fromFile(key, env[`${key}_FILE`], problems)
    if (value !== undefined && value !== '') raw[key] = value
  }
  const value = Value.Clean(schema, Value.Convert(schema, Value.Default(schema, raw)))
  for (const [key, property] of Object.entries(schema.properties) as Array<[string, TSchema]>) {
    const found = (value as Record<string, unknown>)[key]
    if (found === undefined && !('default' in property)) continue // optional and unset
    if (!Value.Check(property, found)) problems.push(`${key}: ${describe(property)} (got ${shown(key, raw[key])})`)
  }
  const config = value as Static<T>
  problems.push(...crossFieldProblems(config as CommonConfig))
  if (problems.length > 0) throw new ConfigError(problems)
  return config
}

/**
 * `X_FILE=/path` stands for `X=<the file's content>` (the Docker and Kubernetes secrets convention), so a
 * secret need not sit in the environment. A set `X` wins; trailing newlines are dropped.
 */
function fromFile (key: string, path: string | undefined, problems: string[]): string | undefined {
  if (path === undefined || path === '') return undefined
  try {
    return readFileSync(path, 'utf8').replace(/\r?\n$/, '')
  } catch (error) {
    problems.push(`${key}_FILE: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`)
    return undefined
  }
}

/** A one-line statement of what a variable accepts, for the boot error. */
function describe (property: TSchema): string {
  const schema = property as {
    anyOf?: Array<{ const?: unknown }>, type?: string, minLength?: number, minimum?: number, pattern?: string
  }
  if (schema.anyOf) return `must be one of ${schema.anyOf.map((s) => String(s.const)).join(', ')}`
  if (schema.type === 'integer') return `must be a whole number${schema.minimum === undefined ? '' : ` of at least ${schema.minimum}`}`
  if (schema.type === 'boolean') return 'must be true or false'
  if (schema.minLength !== undefined && schema.minLength > 1) return `must be at least ${schema.minLength} characters long`
  if (schema.pattern !== undefined) return `must match ${schema.pattern}`
  return 'is invalid'
}

/** Secrets are never echoed back, not even in a boot error. */
function shown (key: string, value: unknown): string {
  if (/SECRET|KEY|PASSWORD/.test(key) && key !== 'REDIS_KEY_PREFIX') return 'a value that is not shown'
  return JSON.stringify(value)
}

export const CommonConfigSchema = Type.Object(CommonConfigProperties)
export type CommonConfig = Static<typeof CommonConfigSchema>

export function isProduction (config: Pick<CommonConfig, 'NODE_ENV'>): boolean {
  return config.NODE_ENV === 'production'
}

/** `Secure` is on in production unless explicitly turned off, off elsewhere unless turned on. */
export function cookieSecure (config: Pick<CommonConfig, 'NODE_ENV' | 'COOKIE_SECURE'>): boolean {
  return config.COOKIE_SECURE ?? isProduction(config)
}

/** Fastify's `trustProxy`: `false`, `true` (every hop), a number of hops, or the proxies' addresses and CIDRs. */
export type TrustProxy = boolean | number | string[]

const CIDR = /^(.+)\/(\d{1,3})$/
function isAddressOrCidr (entry: string): boolean {
  const cidr = CIDR.exec(entry)
  if (cidr === null) return isIP(entry) !== 0
  const version = isIP(cidr[1] as string)
  return version !== 0 && Number(cidr[2]) <= (version === 4 ? 32 : 128)
}

/**
 * TRUST_PROXY's text as Fastify takes it. A client's own X-Forwarded-For is believed only as far as the
 * proxies in front of the service vouch for it: `1` behind one gateway that overwrites the header, or the
 * gateways' addresses. `true` believes every hop, so any client can claim any address: refused in production.
 */
export function trustProxySetting (text: string): TrustProxy | undefined {
  const value = text.trim().toLowerCase()
  if (value === 'false' || value === '0' || value === '') return false
  if (value === 'true') return true
  if (/^\d+$/.test(value)) return Number(value)
  const entries = value.split(',').map((entry) => entry.trim())
  return entries.every(isAddressOrCidr) ? entries : undefined
}

// The widest ranges production may trust: a proxy tier, never the Internet (or half of it, twice).
const WIDEST_PREFIX = { ipv4: 8, ipv6: 32 }

/**
 * What is wrong with a TRUST_PROXY list: anything Fastify's proxy-addr refuses (it would crash the boot with
 * a TypeError: `0.0.0.0/0`, `::/0`), and, in production, any range wider than /8 (IPv4) or /32 (IPv6), so
 * that no set of ranges (`0.0.0.0/1,128.0.0.0/1`) can trust every address.
 */
function trustedRangeProblems (entries: string[], production: boolean): string[] {
  try {
    proxyAddr.compile(entries)
  } catch (error) {
    return [`TRUST_PROXY: ${(error as Error).message} (to trust every hop say true, which production refuses)`]
  }
  if (!production) return []
  const tooWide = entries.filter((entry) => {
    if (!entry.includes('/')) return false
    const [address, bits] = ipaddr.parseCIDR(entry)
    const mapped = address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()
    return mapped ? bits - 96 < WIDEST_PREFIX.ipv4 : bits < WIDEST_PREFIX[address.kind()]
  })
  return tooWide.length === 0
    ? []
    : [`TRUST_PROXY: ${tooWide.join(', ')} trusts too many addresses for production: name the proxies ` +
      `(IPv4 ranges of /${WIDEST_PREFIX.ipv4} or narrower, IPv6 of /${WIDEST_PREFIX.ipv6} or narrower)`]
}

/** Rules that span several variables, or depend on NODE_ENV. */
function crossFieldProblems (config: CommonConfig): string[] {
  const problems: string[] = []
  if (config.SESSION_ABSOLUTE_TTL < config.SESSION_IDLE_TTL) {
    problems.push('SESSION_ABSOLUTE_TTL must not be shorter than SESSION_IDLE_TTL')
  }
  if (isProduction(config) && config.SESSION_SECRET === DEV_SESSION_SECRET) {
    problems.push('SESSION_SECRET is required in production: set it to a random string of at least 32 characters ' +
      "(e.g. `node -e \"console.log(require('crypto').randomBytes(32).toString('base64url'))\"`)")
  }
  const trustProxy = trustProxySetting(config.TRUST_PROXY)
  if (trustProxy === undefined) {
    problems.push(`TRUST_PROXY: must be false, a hop count, or a comma list of addresses/CIDRs (got ${JSON.stringify(config.TRUST_PROXY)})`)
  } else if (trustProxy === true && isProduction(config)) {
    problems.push('TRUST_PROXY=true believes every X-Forwarded-For hop, so any client can claim any address: ' +
      'set the number of proxies in front of the service (e.g. 1) or their addresses')
  } else if (Array.isArray(trustProxy)) {
    problems.push(...trustedRangeProblems(trustProxy, isProduction(config)))
  }
  if (config.REDIS_SENTINELS !== undefined && config.REDIS_SENTINEL_NAME === undefined) {
    problems.push('REDIS_SENTINEL_NAME is required with REDIS_SENTINELS')
  }
  return problems
}

/** What an operator should hear about at boot: settings that are fine for a laptop and wrong anywhere else. */
export function configWarnings (config: CommonConfig): string[] {
  const warnings: string[] = []
  if (config.SESSION_SECRET === DEV_SESSION_SECRET) {
    warnings.push('SESSION_SECRET is not set: using the PUBLIC development secret. Anyone can forge session cookies. ' +
      'Set SESSION_SECRET (32+ random characters) before exposing this service.')
  }
  return warnings
}
