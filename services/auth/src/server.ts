import { runService } from '@authpair/service-kit'
import { buildApp } from './app.js'
import { loadAuthConfig } from './config.js'

await runService({ name: 'auth service', loadConfig: () => loadAuthConfig(), buildApp })
