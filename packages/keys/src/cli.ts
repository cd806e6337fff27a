// `pnpm keys:new [--dir DIR] [--activate-in SECONDS]`: writes a new private signing key. With
// --activate-in, the key is published at once but signs only later: the rotation that fails no request.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { generatePrivateJwk } from './load.js'

/** The git-ignored folder at the repository root where development keys live. */
const DEV_KEYS_DIR = fileURLToPath(new URL('../../../.keys', import.meta.url))

const { values } = parseArgs({
  options: {
    dir: { type: 'string', default: process.env.JWT_PRIVATE_KEYS_DIR ?? DEV_KEYS_DIR },
    'activate-in': { type: 'string', default: '0' }
  }
})
const activateIn = Number(values['activate-in'])
if (!Number.isInteger(activateIn) || activateIn < 0) {
  console.error(`--activate-in takes a whole number of seconds (got ${values['activate-in']})`)
  process.exit(2)
}
// pnpm runs this in the package's folder; a relative --dir means the folder the command was typed in.
const dir = resolve(process.env.INIT_CWD ?? process.cwd(), values.dir)
const jwk = generatePrivateJwk(Math.floor(Date.now() / 1000) + activateIn)
mkdirSync(dir, { recursive: true, mode: 0o700 })
const file = join(dir, `${jwk.kid}.jwk.json`)
writeFileSync(file, JSON.stringify(jwk), { mode: 0o600, flag: 'wx' })
console.log(`wrote ${file} (kid ${jwk.kid}, signs from ${new Date(jwk.iat * 1000).toISOString()})`)
