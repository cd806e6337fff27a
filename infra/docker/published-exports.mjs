// Run in the image's build stage on `pnpm deploy`'s output: every workspace package there (the service and
// the @authpair packages it depends on) exports its compiled `dist/` instead of its TypeScript sources.
// In the repository, `exports` name `src/*.ts` (tests and development run TypeScript through tsx);
// `publishConfig.exports` name the compiled files, which `pnpm deploy` copies but does not switch to.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const root = process.argv[2] ?? '.'
// pnpm keeps each package once under node_modules/.pnpm/<name@version>/node_modules/<name>; the links
// elsewhere point there.
const store = join(root, 'node_modules', '.pnpm')
const manifests = [join(root, 'package.json'), ...readdirSync(store)
  .filter((entry) => entry.startsWith('@authpair+'))
  .flatMap((entry) => readdirSync(join(store, entry, 'node_modules', '@authpair'))
    .map((name) => join(store, entry, 'node_modules', '@authpair', name, 'package.json')))
  .filter((file) => existsSync(file))]
for (const file of new Set(manifests)) {
  const manifest = JSON.parse(readFileSync(file, 'utf8'))
  if (manifest.publishConfig?.exports === undefined) throw new Error(`${file}: no publishConfig.exports`)
  manifest.exports = manifest.publishConfig.exports
  // A new file, never written in place: pnpm deploy may hard-link manifests to the workspace's own.
  rmSync(file)
  writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`)
}
console.log(`${manifests.length} package manifests now export dist/`)
