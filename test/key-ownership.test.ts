// The README's table of Redis keys against the owners' code: every key a package owns (spelled by its own
// key builders) is in a row that names that package as its owner, and such a row lists no other key.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { ownedKeys as accountEventKeys } from '@authpair/account-events'
import { ownedKeys as revocationKeys } from '@authpair/revocation'
import { ownedKeys as sessionStoreKeys } from '@authpair/session-store'

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
const table = readme.slice(readme.indexOf('### Where each piece of Redis data lives'))
const rows = [...table.matchAll(/^\| (.+?) \| .+? \| (.+?) \|/gm)]
  .map(([, keys, owner]) => ({ keys: [...(keys as string).matchAll(/`([^`]+)`/g)].map((match) => match[1] as string), owner: owner as string }))
  .filter((row) => row.keys.length > 0)

const owners = [
  ['packages/session-store', sessionStoreKeys], ['packages/revocation', revocationKeys], ['packages/account-events', accountEventKeys]
] as const
for (const [owner, keys] of owners) {
  t.test(`${owner}: the table names exactly the keys it owns`, async (t) => {
    const listed = rows.filter((row) => row.owner.includes(`\`${owner}\``)).flatMap((row) => row.keys)
    t.ok(listed.length > 0, 'the table has rows for it')
    t.same([...listed].sort(), [...keys].sort())
  })
}
