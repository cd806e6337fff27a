import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'

/**
 * scrypt at one of OWASP's equivalent minimums (N=2^14, r=8, p=5: 16 MiB, about 0.2 s here): the
 * 2^17 / p=1 variant costs the same CPU with 128 MiB per concurrent login. The parameters are stored with
 * each hash, so raising them later re-hashes each password at its owner's next login.
 */
export const CURRENT_PARAMS = { N: 2 ** 14, r: 8, p: 5 } as const
const KEY_LENGTH = 32
const SALT_LENGTH = 16

type Params = { N: number, r: number, p: number }

function derive (password: string, salt: Buffer, { N, r, p }: Params): Promise<Buffer> {
  const options: ScryptOptions = { N, r, p, maxmem: 256 * N * r + 1024 * 1024 }
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, KEY_LENGTH, options, (error, key) => error ? reject(error) : resolve(key))
  })
}

/** `scrypt$N=16384,r=8,p=5$<salt>$<key>`, base64url. */
export async function hashPassword (password: string, params: Params = CURRENT_PARAMS): Promise<string> {
  const salt = randomBytes(SALT_LENGTH)
  const key = await derive(password, salt, params)
  return `scrypt$N=${params.N},r=${params.r},p=${params.p}$${salt.toString('base64url')}$${key.toString('base64url')}`
}

function parse (stored: string): { params: Params, salt: Buffer, key: Buffer } | null {
  const match = /^scrypt\$N=(\d+),r=(\d+),p=(\d+)\$([\w-]+)\$([\w-]+)$/.exec(stored)
  if (match === null) return null
  const [, N, r, p, salt, key] = match as unknown as [string, string, string, string, string, string]
  return { params: { N: Number(N), r: Number(r), p: Number(p) }, salt: Buffer.from(salt, 'base64url'), key: Buffer.from(key, 'base64url') }
}

export interface Verdict {
  valid: boolean
  /** Stored with weaker parameters than today's: re-hash while the plain password is at hand. */
  needsRehash: boolean
}

export async function verifyPassword (password: string, stored: string): Promise<Verdict> {
  const parsed = parse(stored)
  if (parsed === null) return { valid: false, needsRehash: false }
  const key = await derive(password, parsed.salt, parsed.params)
  const valid = key.length === parsed.key.length && timingSafeEqual(key, parsed.key)
  const { N, r, p } = parsed.params
  return { valid, needsRehash: valid && (N < CURRENT_PARAMS.N || r < CURRENT_PARAMS.r || p < CURRENT_PARAMS.p) }
}
