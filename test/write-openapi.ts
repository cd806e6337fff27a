// pnpm docs:openapi: writes docs/openapi.json from the routes (test/openapi.test.ts checks it is current).
import { writeFile } from 'node:fs/promises'
import { OPENAPI_FILE, openApiDocuments, openApiText } from './openapi-document.js'

await writeFile(OPENAPI_FILE, openApiText(await openApiDocuments()))
console.log(`wrote ${OPENAPI_FILE.pathname}`)
