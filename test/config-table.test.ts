// docs/configuration.md's table against the services' config schemas: every variable a service reads is
// documented, and the table documents none that no service reads.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { AuthConfigSchema } from '@authpair/auth/config'
import { ProfileConfigSchema } from '@authpair/profile/config'

const section = readFileSync(new URL('../docs/configuration.md', import.meta.url), 'utf8')
const documented = new Set([...section.matchAll(/^\| (.+?) \|/gm)].flatMap(([, names]) =>
  [...(names as string).matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((match) => match[1] as string)))

t.test('every variable the services read is in the configuration table, and nothing else', async (t) => {
  t.ok(documented.size > 30, `the table was found (${documented.size} variables)`)
  const read = new Set([...Object.keys(AuthConfigSchema.properties), ...Object.keys(ProfileConfigSchema.properties)])
  t.same([...read].filter((name) => !documented.has(name)).sort(), [], 'read but not documented')
  // X_FILE stands for the *_FILE form of any variable.
  t.same([...documented].filter((name) => !read.has(name) && name !== 'X_FILE').sort(), [], 'documented but read by no service')
})
