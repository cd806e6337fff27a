// pnpm docs:readme: writes the committed run's numbers into README.md (between its report markers).
import { readFile, writeFile } from 'node:fs/promises'
import { readmeBlock, withReadmeBlock } from './readme-block.js'
import type { ReportRecord } from './schema.js'

const root = new URL('../../../', import.meta.url)
const report = JSON.parse(await readFile(new URL('docs/report.json', root), 'utf8')) as ReportRecord
const readme = new URL('README.md', root)
await writeFile(readme, withReadmeBlock(await readFile(readme, 'utf8'), readmeBlock(report)))
console.log('README.md: the numbers of docs/report.json written between the report markers')
