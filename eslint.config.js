import neostandard from 'neostandard'

// One linter and formatter for the whole tree: neostandard (the Fastify organisation's style) with TypeScript.
export default [
  ...neostandard({ ts: true, ignores: ['**/node_modules/**', '**/.tap/**', '**/coverage/**', '**/dist/**'] })
]
