// The import boundaries of eslint.config.js, proven: probe sources that break each rule are linted as if
// they sat in the packages, and must be refused with the rule's error (and a lawful import must not be).
import t from 'tap'
import { randomBytes } from 'node:crypto'
import { rm, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { ESLint } from 'eslint'

const root = fileURLToPath(new URL('..', import.meta.url))
// As `pnpm lint` runs: the import resolver finds the TypeScript projects from the working directory.
process.chdir(root)
const eslint = new ESLint({ cwd: root })

/**
 * The rule ids ESLint reports for `code` in a file at `path` (relative to the repository root). The probe is
 * written there for the moment of the lint: the import resolver resolves only from files on disk.
 */
async function rulesBroken (path: string, code: string): Promise<string[]> {
  // Named so that no build includes it (tsconfig.build.json excludes *.lint-probe.ts), should one run meanwhile.
  const file = `${root}${path.replace(/\.ts$/, `-${randomBytes(4).toString('hex')}.lint-probe.ts`)}`
  await writeFile(file, code)
  try {
    const [result] = await eslint.lintFiles([file])
    return (result?.messages ?? []).map((message) => message.ruleId ?? message.message)
  } finally {
    await rm(file, { force: true })
  }
}

const probes: Array<[string, string, string, string]> = [
  ['a deep relative import into another package', 'packages/revocation/src/probe.ts',
    "import { sessionKey } from '../../session-store/src/record.js'\nexport const key = sessionKey('x')\n", 'import-x/no-relative-packages'],
  ['a low layer importing a higher one', 'packages/session-store/src/probe.ts',
    "import { CredentialVerifier } from '@authpair/verify'\nexport const verifier = CredentialVerifier\n", 'import-x/no-restricted-paths'],
  ['a package importing a sibling of its own layer', 'packages/keys/src/probe.ts',
    "import { ownedKeys } from '@authpair/revocation'\nexport const keys = ownedKeys\n", 'import-x/no-restricted-paths'],
  ['a package importing the test support', 'packages/verify/src/probe.ts',
    "import { freePort } from '@authpair/testing'\nexport const port = freePort\n", 'import-x/no-restricted-paths'],
  ['a package importing a service', 'packages/verify/src/probe.ts',
    "import { buildApp } from '@authpair/profile/app'\nexport const app = buildApp\n", 'no-restricted-imports'],
  ['a service importing the other', 'services/profile/src/probe.ts',
    "import { buildApp } from '@authpair/auth/app'\nexport const app = buildApp\n", 'no-restricted-imports']
]

for (const [what, path, code, rule] of probes) {
  t.test(`refused: ${what}`, async (t) => {
    t.ok((await rulesBroken(path, code)).includes(rule), `${path} breaks ${rule}`)
  })
}

t.test('allowed: a package importing a lower layer by name', async (t) => {
  t.same(await rulesBroken('packages/verify/src/probe.ts',
    "import { ownedKeys } from '@authpair/revocation'\nexport const keys = ownedKeys\n"), [])
})
