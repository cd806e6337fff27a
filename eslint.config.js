import neostandard from 'neostandard'

const services = ['@authpair/auth', '@authpair/auth/*', '@authpair/profile', '@authpair/profile/*']
const serviceFolders = ['**/services/**']

/** Packages sit below the services: they never import one (by name or by path). */
const noServices = { patterns: [{ group: [...services, ...serviceFolders], message: 'A package never imports a service.' }] }
/** A service never imports the other: what both need lives in a package. */
const notTheOther = (other) => ({
  patterns: [{
    group: [`@authpair/${other}`, `@authpair/${other}/*`, `**/${other}/**`],
    message: 'A service never imports another service: move what both need into a package.'
  }]
})

/**
 * The packages' layers, lowest first: a package's source imports only packages of lower layers, never one
 * of its own layer or above (tests may import anything, the testing package included). Services, examples
 * and load-compare sit on top.
 */
const layers = [
  ['config', 'redis', 'account-events'],
  ['keys', 'session-store', 'revocation'],
  ['verify', 'service-kit']
]
const above = ['services', 'examples', 'packages/load-compare', 'packages/testing']
const layerZones = layers.flatMap((layer, level) => layer.map((name) => ({
  target: `packages/${name}/src`,
  from: [
    ...layer.filter((other) => other !== name), ...layers.slice(level + 1).flat()
  ].map((other) => `packages/${other}`).concat(above),
  message: `packages/${name} sits in layer ${level + 1} of eslint.config.js: it imports only lower layers.`
})))

// One linter and formatter for the whole tree: neostandard (the Fastify organisation's style) with TypeScript,
// plus the guard rails of the house style: lines of at most 120 columns, and the import boundaries.
export default [
  ...neostandard({ ts: true, ignores: ['**/node_modules/**', '**/.tap/**', '**/coverage/**', '**/dist/**'] }),
  {
    rules: {
      // Long string and template literals (messages, test fixtures) may run past: breaking them helps no reader.
      '@stylistic/max-len': ['error', {
        code: 120, ignoreUrls: true, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true
      }]
    }
  },
  {
    rules: {
      // Another package is imported by its name, never by a relative path into its files.
      'import-x/no-relative-packages': 'error',
      'import-x/no-restricted-paths': ['error', { zones: layerZones }]
    }
  },
  { files: ['packages/**', 'examples/**'], rules: { 'no-restricted-imports': ['error', noServices] } },
  { files: ['services/auth/**'], rules: { 'no-restricted-imports': ['error', notTheOther('profile')] } },
  { files: ['services/profile/**'], rules: { 'no-restricted-imports': ['error', notTheOther('auth')] } }
]
