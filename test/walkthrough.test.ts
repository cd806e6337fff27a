// The README's curl walkthrough, run as written against both services: if it stops working, so does this.
import t from 'tap'
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startSystem } from './helpers.js'

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
const block = /<!-- walkthrough -->\n```sh\n([\s\S]+?)```\n<!-- \/walkthrough -->/.exec(readme)?.[1]

/** Runs the script in bash, without blocking this process: both services answer from it. */
async function bash (script: string, cwd: string): Promise<{ status: number, stdout: string, stderr: string }> {
  // -e and pipefail: any request the walkthrough expects to succeed (curl -f) stops the run when it fails.
  return await new Promise((resolve) => {
    execFile('bash', ['-eo', 'pipefail', '-c', script], { cwd, encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ status: error === null ? 0 : Number(error.code ?? 1), stdout, stderr })
    })
  })
}

t.test('the README walkthrough runs from registration to deletion', async (t) => {
  t.ok(block, 'the README has the walkthrough block')
  const hosts = 'AUTH=http://localhost:3001 PROFILE=http://localhost:3002'
  t.ok(block?.includes(hosts), 'it names both services on their default ports')
  const system = await startSystem(t)
  const script = (block ?? '').replace(hosts, `AUTH=${system.auth} PROFILE=${system.profile}`)
  const cwd = mkdtempSync(join(tmpdir(), 'authpair-walkthrough-')) // the cookie jar goes here
  t.teardown(() => { rmSync(cwd, { recursive: true, force: true }) })
  const run = await bash(script, cwd)
  t.equal(run.status, 0, `exit status (stderr: ${run.stderr})`)
  const lines = run.stdout.trim().split('\n')
  t.match(lines[0], /"email":"ann@example.com"/, 'registered')
  t.ok(lines.some((line) => line.includes('"auth":"session"')), 'the profile service took the session cookie')
  t.ok(lines.some((line) => line.includes('"auth":"token"')), 'and the access token')
  t.ok(lines.some((line) => line.includes('"bio":"hello"')), 'the profile was edited')
  t.same(lines.filter((line) => /^\d{3}$/.test(line)), ['204', '401', '204', '204', '204'],
    'one session revoked (then refused), the token family revoked, log out everywhere, the deletion: as the README says')
  t.equal(lines.at(-1), '204', 'the account was deleted last')

  const again = await bash(script, cwd)
  t.equal(again.status, 0, 'and it runs again: the deletion freed the email')
})
