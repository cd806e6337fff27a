import { createHash, generateKeyPairSync } from 'node:crypto'
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ConfigError } from '@authpair/config'
import { KeyRing, toSigningKey, type StoredJwk } from './key-ring.js'

export interface KeySource {
  /** A folder of `*.jwk.json` files, one private JWK each. */
  dir?: string | undefined
  /** A JWK set as JSON (`{"keys":[…]}`), e.g. from a secret; takes precedence over `dir`. */
  jwksJson?: string | undefined
  /** Development only: create a key in `dir` when there is none. */
  generateIfMissing: boolean
}

/** RFC 7638 thumbprint: a kid that names the key itself, the same wherever it is loaded. */
function thumbprint (jwk: { e?: string | undefined, n?: string | undefined }): string {
  return createHash('sha256').update(JSON.stringify({ e: jwk.e, kty: 'RSA', n: jwk.n })).digest('base64url')
}

/** A new RS256 private JWK, active from `activeFrom` (epoch seconds; later = published ahead of use). */
export function generatePrivateJwk (activeFrom = Math.floor(Date.now() / 1000)): StoredJwk {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const jwk = privateKey.export({ format: 'jwk' })
  return { ...jwk, kid: thumbprint(jwk), iat: activeFrom }
}

function parseStored (value: unknown, origin: string): StoredJwk {
  const jwk = value as Partial<StoredJwk>
  if (typeof jwk !== 'object' || jwk === null || jwk.kty !== 'RSA' || typeof jwk.d !== 'string') {
    throw new Error(`${origin}: not an RSA private JWK`)
  }
  return { ...jwk, kid: jwk.kid ?? thumbprint(jwk), iat: typeof jwk.iat === 'number' ? jwk.iat : 0 } as StoredJwk
}

async function readDir (dir: string): Promise<StoredJwk[]> {
  const files = (await readdir(dir).catch(() => [] as string[])).filter((file) => file.endsWith('.jwk.json'))
  return await Promise.all(files.map(async (file) => parseStored(JSON.parse(await readFile(join(dir, file), 'utf8')), file)))
}

/** Loads the signing keys; with `generateIfMissing`, a first start creates one (mode 0600) and keeps it. */
export async function loadKeyRing ({ dir, jwksJson, generateIfMissing }: KeySource): Promise<KeyRing> {
  let stored: StoredJwk[] = []
  if (jwksJson !== undefined) {
    const set = JSON.parse(jwksJson) as { keys?: unknown[] }
    stored = (set.keys ?? []).map((key, i) => parseStored(key, `JWT_PRIVATE_KEYS key ${i}`))
  } else if (dir !== undefined) {
    stored = await readDir(dir)
    if (stored.length === 0 && generateIfMissing) {
      const jwk = generatePrivateJwk()
      await mkdir(dir, { recursive: true, mode: 0o700 })
      await writeFile(join(dir, `${jwk.kid}.jwk.json`), JSON.stringify(jwk), { mode: 0o600, flag: 'wx' })
      stored = await readDir(dir)
    }
  }
  if (stored.length === 0) {
    // A ConfigError: the boot stops with this one line, as for any other missing setting.
    throw new ConfigError([`No JWT signing key found (${jwksJson !== undefined ? 'JWT_PRIVATE_KEYS is empty' : `no *.jwk.json in ${dir ?? 'JWT_PRIVATE_KEYS_DIR'}`}). ` +
      'Create one with `pnpm keys:new`.'])
  }
  return new KeyRing(stored.map(toSigningKey))
}
