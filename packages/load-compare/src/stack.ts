import { randomBytes } from 'node:crypto'
import { generatePrivateJwk } from '@authpair/keys'
import { deletePrefix, FaultProxy, LatencyProxy, OwnRedis } from '@authpair/testing'
import { hasCommand, pinProcess, spawnService, type ServiceProcess } from './services.js'

/** The profile instances a comparison needs, one process each, differing only in configuration. */
export const PROFILE_ROLES = {
  /** TOKEN_REVOCATION=off with the verified-token cache: also serves the ceiling and the session mode. */
  stateless: { TOKEN_REVOCATION: 'off' },
  'no-cache': { TOKEN_REVOCATION: 'off', TOKEN_CACHE_SIZE: '0' },
  denylist: { TOKEN_REVOCATION: 'denylist' },
  push: { TOKEN_REVOCATION: 'push' },
  /** SESSION_CACHE=tracking: sessions from memory, evicted by Redis's invalidations. */
  tracking: { TOKEN_REVOCATION: 'off', SESSION_CACHE: 'tracking' },
  /** The same, serving cached sessions while Redis is unreachable (the outage scenario). */
  'tracking-serve-cached': {
    TOKEN_REVOCATION: 'off', SESSION_CACHE: 'tracking', SESSION_CACHE_WHEN_STORE_DOWN: 'serve-cached'
  },
  /** Reaches Redis through the latency proxy. */
  distant: { TOKEN_REVOCATION: 'off' },
  /** The same, with ioredis auto-pipelining off: one round trip per command, no waiting for a batch. */
  'distant-unbatched': { TOKEN_REVOCATION: 'off', REDIS_AUTO_PIPELINING: 'false' },
  'distant-tracking': { TOKEN_REVOCATION: 'off', SESSION_CACHE: 'tracking' },
  /** Reach Redis through the fault proxy: the revocation scenario silences one of their connections. */
  'quiet-push': { TOKEN_REVOCATION: 'push' },
  'quiet-tracking': { TOKEN_REVOCATION: 'off', SESSION_CACHE: 'tracking' }
} as const

export type ProfileRole = keyof typeof PROFILE_ROLES

export interface Target { url: string, pid?: number }

export interface Stack {
  auth: string
  profiles: Partial<Record<ProfileRole, Target>>
  /** Where Redis's counters are read; undefined when the target's Redis is not reachable from here. */
  redisUrl?: string
  /** Present when this tool started Redis itself: the outage scenario needs it. */
  ownRedis?: OwnRedis
  proxy?: LatencyProxy
  /** In front of Redis for the `quiet-*` roles: per connection, silent, reset or delayed. */
  faults?: FaultProxy
  /** The naive express version of the same routes (reference rows), when asked for. */
  naive?: Target
  /** The textbook Fastify app (src/textbook/server.ts), started with the naive one: its bare route is a floor. */
  textbook?: Target
  /** Targets a running deployment rather than processes of its own. */
  external: boolean
  /** The settings the services were started with (empty for an external target). */
  env: Record<string, string>
  /** The processes this tool started (services, Redis): their CPU is the tool's own, not other work. */
  pids: () => Array<number | undefined>
  close: () => Promise<void>
}

export interface StackOptions {
  roles: ProfileRole[]
  authUrl?: string
  profileUrl?: string
  redisUrl?: string
  /** CPU the profile processes are pinned to. */
  serviceCpu?: number
  otherCpu?: number
  /** Also start the reference servers: naive express (express-session, connect-redis, jsonwebtoken), textbook. */
  naive?: boolean
}

const hasRedisServer = hasCommand('redis-server')

/**
 * Either the running deployment named by `authUrl`/`profileUrl`, or an auth process and one profile
 * process per role over a Redis: a redis-server of its own (persistent, so that the outage scenario
 * can restart it with the sessions intact) or, without redis-server, the one at `redisUrl`.
 */
export async function startStack (options: StackOptions): Promise<Stack> {
  if (options.authUrl !== undefined || options.profileUrl !== undefined) {
    if (options.authUrl === undefined || options.profileUrl === undefined) throw new Error('--auth-url and --profile-url go together')
    return {
      auth: options.authUrl,
      profiles: { stateless: { url: options.profileUrl } },
      redisUrl: options.redisUrl,
      external: true,
      env: {},
      pids: () => [],
      close: async () => {}
    }
  }
  const cleanups: Array<() => Promise<void>> = []
  const close = async () => { for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {}) }
  try {
    let ownRedis: OwnRedis | undefined
    let redisUrl = options.redisUrl ?? 'redis://127.0.0.1:6379'
    if (options.redisUrl === undefined && hasRedisServer) {
      const started = await OwnRedis.start({ persistent: true })
      // Redis is another host in production: here it shares the load generator's core, not the profile's.
      if (options.otherCpu !== undefined) pinProcess(started.pid, options.otherCpu)
      cleanups.push(async () => { await started.stop() })
      ownRedis = started
      redisUrl = started.url
    }
    const prefix = `compare:${randomBytes(4).toString('hex')}:`
    if (ownRedis === undefined) cleanups.push(async () => { await deletePrefix(redisUrl, prefix) })
    const env = {
      REDIS_URL: redisUrl,
      REDIS_KEY_PREFIX: prefix,
      SESSION_SECRET: randomBytes(32).toString('base64url'),
      JWT_PRIVATE_KEYS: JSON.stringify({ keys: [generatePrivateJwk()] }),
      LOGIN_LIMIT_PER_IP: '100000',
      LOGIN_LIMIT_PER_ACCOUNT: '100000',
      // The revocation scenario logs in (and changes passwords) hundreds of times from one address.
      HASH_BUDGET_PER_CLIENT: '100000',
      HASH_BUDGET_PER_ACCOUNT: '100000',
      REGISTER_LIMIT_PER_IP: '100000',
      JWT_ISSUER: 'authpair-compare',
      JWT_AUDIENCE: 'authpair',
      // The ceiling route, /bench/bare, exists only when asked for.
      BENCH_ROUTES: 'true',
      // The profile's account-event poll is background Redis work, not per request: a minute apart, it stays out
      // of the Redis commands (and instructions) counted per request.
      ACCOUNT_EVENTS_POLL_MS: '60000'
    }
    const started: ServiceProcess[] = []
    cleanups.push(async () => { await Promise.all(started.map(async (service) => await service.stop())) })
    const auth = await spawnService({ dir: 'services/auth', env, cpu: options.otherCpu })
    started.push(auth)

    let proxy: LatencyProxy | undefined
    if (options.roles.some((role) => role.startsWith('distant'))) {
      const { hostname, port } = new URL(redisUrl)
      proxy = new LatencyProxy({ host: hostname, port: Number(port === '' ? 6379 : port) })
      const distant = proxy
      cleanups.push(async () => { await distant.close() })
    }
    const proxyUrl = proxy === undefined ? undefined : await proxy.listen()
    let faults: FaultProxy | undefined
    if (options.roles.some((role) => role.startsWith('quiet'))) {
      const { hostname, port } = new URL(redisUrl)
      const quiet = new FaultProxy({ host: hostname, port: Number(port === '' ? 6379 : port) })
      cleanups.push(async () => { await quiet.close() })
      faults = quiet
    }
    const faultsUrl = faults === undefined ? undefined : await faults.listen()
    const redisUrlFor = (role: ProfileRole) =>
      role.startsWith('distant') ? proxyUrl as string : role.startsWith('quiet') ? faultsUrl as string : redisUrl
    const profiles: Stack['profiles'] = {}
    await Promise.all(options.roles.map(async (role) => {
      const profile = await spawnService({
        dir: 'services/profile',
        env: { ...env, ...PROFILE_ROLES[role], REDIS_URL: redisUrlFor(role), AUTH_URL: auth.url },
        cpu: options.serviceCpu
      })
      started.push(profile)
      profiles[role] = profile
    }))
    const naive = options.naive === true
      ? await spawnService({ dir: 'packages/load-compare', entry: 'src/naive/server.ts', env: { ...env, AUTH_URL: auth.url }, cpu: options.serviceCpu })
      : undefined
    if (naive !== undefined) started.push(naive)
    const textbook = options.naive === true
      ? await spawnService({
        dir: 'packages/load-compare', entry: 'src/textbook/server.ts', env: { ...env, AUTH_URL: auth.url }, cpu: options.serviceCpu
      })
      : undefined
    if (textbook !== undefined) started.push(textbook)
    const pids = () => [...started.map((service) => service.pid), ownRedis?.pid]
    return {
      auth: auth.url, profiles, redisUrl, ownRedis, proxy, faults, naive, textbook, external: false, env, pids, close
    }
  } catch (error) {
    await close()
    throw error
  }
}
