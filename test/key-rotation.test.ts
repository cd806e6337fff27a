import t from 'tap'
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { generatePrivateJwk } from '@authpair/keys'
import { buildApp as buildAuth } from '@authpair/auth/app'
import { loadAuthConfig } from '@authpair/auth/config'
import { buildApp as buildProfile } from '@authpair/profile/app'
import { loadProfileConfig } from '@authpair/profile/config'
import { deletePrefix, freePort, SHARED_REDIS_URL, uniquePrefix } from '@authpair/testing'
import type { FastifyInstance } from 'fastify'
import { PASSWORD, post, SECRET } from './helpers.js'

const root = fileURLToPath(new URL('../', import.meta.url))
const kidOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[0] as string, 'base64url').toString()).kid as string

/**
 * The rotation of docs/operations.md, walked as an operator would, with the commands as documented: publish a new key
 * ahead (`pnpm keys:new --activate-in …`), restart auth, let the new key start signing, remove the old key
 * and restart again. Meanwhile a client keeps refreshing and calling the profile service: not one request
 * may fail, and a token the removed key signed must be refused within JWKS_MAX_AGE plus the refetch cooldown.
 */
t.test('key rotation as docs/operations.md tells it: zero failed requests, and a removed key refused within its max-age', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'authpair-keys-'))
  const keyPrefix = uniquePrefix('rotation')
  t.teardown(async () => {
    rmSync(dir, { recursive: true, force: true })
    await deletePrefix(SHARED_REDIS_URL, keyPrefix)
  })
  const oldKey = generatePrivateJwk(Math.floor(Date.now() / 1000) - 60)
  writeFileSync(join(dir, `${oldKey.kid}.jwk.json`), JSON.stringify(oldKey))

  const common = { REDIS_URL: SHARED_REDIS_URL, REDIS_KEY_PREFIX: keyPrefix, LOG_LEVEL: 'silent', SESSION_SECRET: SECRET }
  const port = await freePort()
  const authUrl = `http://127.0.0.1:${port}`
  let auth: FastifyInstance | undefined
  const startAuth = async () => {
    auth = await buildAuth(loadAuthConfig({ ...common, JWT_PRIVATE_KEYS_DIR: dir, JWKS_MAX_AGE: '1' }))
    await auth.listen({ port, host: '127.0.0.1' })
  }
  const restartAuth = async () => {
    await auth?.close()
    await startAuth()
  }
  await startAuth()
  t.teardown(async () => { await auth?.close() })
  const profile = await buildProfile(loadProfileConfig({ ...common, AUTH_URL: authUrl, JWKS_REFETCH_COOLDOWN_MS: '500' }))
  const profileUrl = await profile.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(async () => { await profile.close() })

  const email = `rotation.${process.pid}.${Date.now()}@example.com`
  await post(`${authUrl}/v1/users`, { email, password: PASSWORD, name: 'Rota' })
  let pair = await (await post(`${authUrl}/v1/tokens`, { email, password: PASSWORD })).json() as { access_token: string, refresh_token: string }
  const signedByOldKey = pair.access_token
  const before = await fetch(`${profileUrl}/v1/me`, { headers: { authorization: `Bearer ${signedByOldKey}` } })
  t.equal(before.status, 200, 'the old key\'s token is accepted, and now in the verified-token cache')

  // The client: refresh for a token from whichever key signs now, and use it. A refresh that fails while auth
  // restarts is auth being down, not a failed verification: it is retried, and counted apart.
  const statuses = new Map<number, number>()
  const kids = new Set<string>()
  let authDown = 0
  const state = { running: true }
  const client = (async () => {
    while (state.running) {
      const refreshed = await post(`${authUrl}/v1/tokens/refresh`, { refresh_token: pair.refresh_token }).catch(() => null)
      if (refreshed?.status === 201) {
        pair = await refreshed.json() as typeof pair
        kids.add(kidOf(pair.access_token))
        const status = (await fetch(`${profileUrl}/v1/me`, { headers: { authorization: `Bearer ${pair.access_token}` } })).status
        statuses.set(status, (statuses.get(status) ?? 0) + 1)
      } else {
        authDown++
      }
      await sleep(50)
    }
  })()

  // 1. Publish a new key ahead of its use, with the documented command (it writes to JWT_PRIVATE_KEYS_DIR).
  const activateIn = 3
  const written = await promisify(execFile)('pnpm', ['keys:new', '--activate-in', String(activateIn)], {
    cwd: root, env: { ...process.env, JWT_PRIVATE_KEYS_DIR: dir }
  })
  const activatesAt = Date.now() + activateIn * 1000
  const newKid = /kid ([\w-]+)/.exec(written.stdout)?.[1]
  t.ok(newKid, `pnpm keys:new wrote a key: ${written.stdout.trim().split('\n').pop() ?? ''}`)
  // 2. Restart auth: it publishes both keys; the old one still signs.
  await restartAuth()
  const jwks = await (await fetch(`${authUrl}/.well-known/jwks.json`)).json() as { keys: Array<{ kid: string }> }
  t.same(jwks.keys.map((key) => key.kid).sort(), [oldKey.kid, newKid].sort(), 'both keys are published')
  // 3. Once the new key signs, remove the old one and restart again.
  await sleep(Math.max(0, activatesAt - Date.now()) + 1000)
  rmSync(join(dir, `${oldKey.kid}.jwk.json`))
  await restartAuth()
  const removedAt = Date.now()
  const refused = async () => (await fetch(`${profileUrl}/v1/me`, { headers: { authorization: `Bearer ${signedByOldKey}` } })).status === 401
  while (!await refused() && Date.now() - removedAt < 10_000) await sleep(50)
  const refusedAfterMs = Date.now() - removedAt
  await sleep(500)
  state.running = false
  await client

  t.same([...kids].sort(), [oldKey.kid, newKid].sort(), 'the client was served by the old key, then by the new one')
  t.same([...statuses.keys()], [200], `every request answered 200: ${[...statuses].map(([s, n]) => `${s}×${n}`).join(' ')} ` +
    `(${authDown} refreshes met auth restarting)`)
  t.ok(refusedAfterMs <= 1000 + 500 + 1000, `a token of the removed key is refused ${refusedAfterMs} ms after the restart ` +
    '(JWKS_MAX_AGE 1 s + cooldown 0.5 s, + 1 s of slack)')
})
