// The README's configuration table against the services' config schemas: every variable a service reads is
// documented, and the table documents none that no service reads.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { AuthConfigSchema } from '@authpair/auth/config'
import { ProfileConfigSchema } from '@authpair/profile/config'

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
const section = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('## What fails how'))
const documented = new Set([...section.matchAll(/^\| (.+?) \|/gm)].flatMap(([, names]) =>
  [...(names as string).matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((match) => match[1] as string)))

t.test('every variable the services read is in the README table, and nothing else', async (t) => {
  t.ok(documented.size > 30, `the table was found (${documented.size} variables)`)
  const read = new Set([...Object.keys(AuthConfigSchema.properties), ...Object.keys(ProfileConfigSchema.properties)])
  t.same([...read].filter((name) => !documented.has(name)).sort(), [], 'read but not documented')
  // X_FILE stands for the *_FILE form of any variable.
  t.same([...documented].filter((name) => !read.has(name) && name !== 'X_FILE').sort(), [], 'documented but read by no service')
})
