import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import { freePort } from '@authpair/testing'

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url))
/** Whether `command` is installed here (it answers `--version`). */
export const hasCommand = (command: string): boolean => spawnSync(command, ['--version']).status === 0

const hasTaskset = hasCommand('taskset')

/** A service started as a process of its own, so that its CPU time is its own and can be read. */
export interface ServiceProcess {
  readonly url: string
  readonly pid: number
  stop: () => Promise<void>
}

export interface SpawnOptions {
  /** Directory under the repository root to start in. */
  dir: string
  /** Script to start, relative to `dir`. */
  entry?: string
  env: Record<string, string>
  /** Pin to this CPU (Linux `taskset`), away from the load generator. */
  cpu?: number
  /** A command the service runs under, e.g. valgrind and its options. */
  launcher?: string[]
  /** Node flags before the defaults' (`--max-semi-space-size=32`). */
  nodeArgs?: string[]
  /** How long the service may take to answer /healthz; default 30 s. */
  startTimeoutMs?: number
}

/**
 * Starts `dir/entry` on a free port and waits until `/healthz` answers. The last lines of its
 * output are kept and shown if it does not come up.
 */
export async function spawnService (
  { dir, entry = 'src/server.ts', env, cpu, launcher = [], nodeArgs = [], startTimeoutMs = 30_000 }: SpawnOptions
): Promise<ServiceProcess> {
  const port = await freePort()
  // The services' own start flags (see their package.json): 32 MB young-generation semi-spaces.
  const command = [...launcher, process.execPath, ...nodeArgs, '--max-semi-space-size=32', '--import=tsx', entry]
  const child = spawn(command[0] as string, command.slice(1), {
    cwd: `${repoRoot}${dir}`,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const output: string[] = []
  const keep = (chunk: Buffer) => { output.push(chunk.toString()); if (output.length > 20) output.shift() }
  child.stdout.on('data', keep)
  child.stderr.on('data', keep)
  const url = `http://127.0.0.1:${port}`
  try {
    await waitForHealth(url, child, startTimeoutMs)
    // Pinned once up: booting (compiling TypeScript) uses every core, serving uses one.
    if (cpu !== undefined) pinProcess(child.pid, cpu)
  } catch (error) {
    child.kill('SIGKILL')
    throw new Error(`${dir} did not start: ${(error as Error).message}\n${output.join('')}`)
  }
  return { url, pid: child.pid as number, stop: async () => { await stopChild(child) } }
}

async function waitForHealth (url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited with code ${child.exitCode}`)
    try {
      if ((await fetch(`${url}/healthz`)).ok) return
    } catch {}
    await sleep(50)
  }
  throw new Error(`no answer on /healthz within ${timeoutMs / 1000} s`)
}

async function stopChild (child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
  await exited
  clearTimeout(timer)
}

/** Pins a running process (every thread) to one CPU; false where that is not possible. */
export function pinProcess (pid: number | undefined, cpu: number): boolean {
  return hasTaskset && pid !== undefined && spawnSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)]).status === 0
}

/** Pins the load generator, so that it does not compete with the profile service for its core. */
export const pinSelf = (cpu: number): boolean => pinProcess(process.pid, cpu)
