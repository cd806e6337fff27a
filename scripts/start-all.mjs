// `pnpm start`: both services in the foreground, one log stream each, and the development gateway on
// http://localhost:8080 (the web page and both services on one origin), all stopped by Ctrl-C.
// `pnpm dev` (--watch): the same, and each service restarts when a file it imports changes.
// If a service exits on its own (bad config, no Redis), everything stops and the exit code is kept.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { startGateway } from './dev-gateway.mjs'

const GATEWAY_PORT = Number(process.env.GATEWAY_PORT ?? 8080)
// The page links your latest `pnpm compare --report report.html`, or the committed one.
const report = existsSync('report.html') ? 'report.html' : 'docs/report.html'
// Behind the development gateway, which overwrites X-Forwarded-For: one trusted hop, as in compose. Revocations
// pushed to the profile, as in compose: a revoked token on the web page is refused within milliseconds (set
// TOKEN_REVOCATION=off to see it keep working until it expires).
// Readable logs, one line per entry (LOG_FORMAT=json for the machine-readable ones).
const env = {
  TRUST_PROXY: '1',
  TOKEN_REVOCATION: 'push',
  LOG_FORMAT: 'pretty',
  ...process.env,
  REPORT_FILE: process.env.REPORT_FILE ?? resolve(report)
}
// A larger young generation: requests waiting on Redis keep their objects alive across scavenges,
// and 32 MB semi-spaces cut the GC share of a session request by a third (measured with `pnpm bench`).
// Each in a process group of its own: Ctrl-C reaches them once, through stopAll, and not a second time
// from the terminal (a second signal would skip the draining).
const watch = process.argv.includes('--watch') ? ['--watch'] : []
const children = ['auth', 'profile'].map((name) =>
  spawn(process.execPath, [...watch, '--max-semi-space-size=32', '--import=tsx', 'src/server.ts'], {
    cwd: `services/${name}`, stdio: 'inherit', env, detached: true
  }))
const gateway = await startGateway({ port: GATEWAY_PORT, auth: 'http://127.0.0.1:3001', profile: 'http://127.0.0.1:3002' })
console.log(`gateway: http://localhost:${GATEWAY_PORT} (web page and API on one origin)`)

let exitCode = 0
let stopping = false
function stopAll (signal) {
  if (stopping) return
  stopping = true
  gateway.close()
  for (const child of children) if (child.exitCode === null) child.kill(signal)
}
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => stopAll('SIGTERM'))
for (const child of children) {
  child.on('exit', (code) => {
    if (code !== 0 && code !== null) exitCode = code
    if (!stopping) stopAll('SIGTERM')
    if (children.every((c) => c.exitCode !== null || c.signalCode !== null)) process.exit(exitCode)
  })
}
