import t from 'tap'
import { readFileSync } from 'node:fs'
import { BEGIN, END, readmeBlock } from '../src/readme-block.js'
import type { ReportRecord } from '../src/schema.js'

// No number in the README is typed by hand: its block is what docs/report.json gives (pnpm docs:readme).
t.test('the README shows the committed report\'s numbers, as generated from its JSON', async (t) => {
  const root = new URL('../../../', import.meta.url)
  const readme = readFileSync(new URL('README.md', root), 'utf8')
  const report = JSON.parse(readFileSync(new URL('docs/report.json', root), 'utf8')) as ReportRecord
  const shown = readme.slice(readme.indexOf(BEGIN) + BEGIN.length, readme.indexOf(END)).trim()
  t.ok(shown.length > 0, 'the block is there')
  t.equal(shown, readmeBlock(report).trim(), 'run `pnpm docs:readme` after a new committed run')
})
