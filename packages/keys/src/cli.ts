// `pnpm keys:new [--dir DIR | --jwks FILE] [--activate-in SECONDS]`: a new private signing key, as a file of
// its own in DIR (JWT_PRIVATE_KEYS_DIR), or added to the JWK set in FILE (what JWT_PRIVATE_KEYS or
// JWT_PRIVATE_KEYS_FILE hold, e.g. a Kubernetes Secret). With --activate-in, the key is published at once
// but signs only later: the rotation that fails no request.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { generatePrivateJwk } from './load.js'

/** The git-ignored folder at the repository root where development keys live. */
const DEV_KEYS_DIR = fileURLToPath(new URL('../../../.keys', import.meta.url))

const { values } = parseArgs({
  options: {
    dir: { type: 'string', default: process.env.JWT_PRIVATE_KEYS_DIR ?? DEV_KEYS_DIR },
    jwks: { type: 'string' },
    'activate-in': { type: 'string', default: '0' }
  }
})
const activateIn = Number(values['activate-in'])
if (!Number.isInteger(activateIn) || activateIn < 0) {
  console.error(`--activate-in takes a whole number of seconds (got ${values['activate-in']})`)
  process.exit(2)
}
// pnpm runs this in the package's folder; a relative path means the folder the command was typed in.
const here = (path: string) => resolve(process.env.INIT_CWD ?? process.cwd(), path)
const jwk = generatePrivateJwk(Math.floor(Date.now() / 1000) + activateIn)
const signsFrom = new Date(jwk.iat * 1000).toISOString()

if (values.jwks !== undefined) {
  const file = here(values.jwks)
  const set = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) as { keys?: unknown } : { keys: [] }
  if (!Array.isArray(set.keys)) {
    console.error(`${file} is not a JWK set ({"keys": [...]})`)
    process.exit(2)
  }
  writeFileSync(file, `${JSON.stringify({ keys: [...set.keys, jwk] })}\n`, { mode: 0o600 })
  console.log(`added to ${file}: kid ${jwk.kid}, signs from ${signsFrom} (${set.keys.length + 1} keys in the set)`)
} else {
  const dir = here(values.dir)
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const file = join(dir, `${jwk.kid}.jwk.json`)
  writeFileSync(file, JSON.stringify(jwk), { mode: 0o600, flag: 'wx' })
  console.log(`wrote ${file} (kid ${jwk.kid}, signs from ${signsFrom})`)
}
