import { runService } from '@authpair/service-kit'
import { buildApp } from './app.js'
import { loadProfileConfig } from './config.js'

await runService({ name: 'profile service', loadConfig: () => loadProfileConfig(), buildApp })
