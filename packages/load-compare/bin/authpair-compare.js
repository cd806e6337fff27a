#!/usr/bin/env node
// The installed command: runs the TypeScript entry point through tsx, as the services do.
import { register } from 'tsx/esm/api'

register()
await import('../src/cli.ts')
