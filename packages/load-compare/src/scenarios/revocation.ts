import { AuthClient } from '../auth-client.js'
import type { Harness } from '../harness.js'
import { median } from '../numbers.js'
import type { RevocationRecord } from '../schema.js'
import type { ProfileRole } from '../stack.js'
import type { Fault } from '@authpair/testing'

export interface RevocationPlan {
  /** Measurements per mode; the median is reported. */
  repeats: number
  /** How long to keep asking before concluding the credential is still accepted. */
  patienceMs: number
}

interface Probe {
  mode: RevocationRecord['mode']
  action: string
  role: ProfileRole
  /** Logs in, revokes, and returns the credential header to try afterwards. */
  revoke: () => Promise<Record<string, string>>
  /** The connection silenced before the revocation (a quiet-* role), and what the record calls it. */
  quiet?: { connection: RegExp, fault: Fault, name: string, metricMode: string }
  cause?: RevocationRecord['cause']
}

/** The profile's default REVOCATION_STALENESS_MAX_MS: the lag a quiet connection may cost at most. */
const BOUND_MS = 2000

/**
 * For each mode: log in, check the credential works, revoke it (log out, or revoke the token), then ask
 * the profile service as fast as one client can until it refuses. The lag runs from the revoking call's
 * answer to the first refusal, so it includes one request's round trip.
 */
export async function revocationLag (harness: Harness, plan: RevocationPlan): Promise<RevocationRecord[]> {
  // A user of its own per probe: the repeated logins stay under the per-account login limit of a
  // deployment that keeps the defaults.
  const clientFor = async () => {
    const client = new AuthClient(harness.stack.auth)
    await client.register()
    return client
  }
  const tokenProbe = (mode: Probe['mode'], role: ProfileRole, client: AuthClient, quiet?: Probe['quiet']): Probe => ({
    quiet,
    mode,
    role,
    action: 'POST /v1/tokens/revoke with the access token',
    revoke: async () => {
      const pair = await client.tokens()
      const headers = { authorization: `Bearer ${pair.access_token}` }
      await expectStatus(harness, role, headers, 200)
      silence(harness, quiet)
      await client.revoke(pair)
      return headers
    }
  })
  const sessionProbe = (mode: Probe['mode'], role: ProfileRole, client: AuthClient, quiet?: Probe['quiet']): Probe => ({
    quiet,
    mode,
    role,
    action: 'DELETE /v1/sessions/current',
    revoke: async () => {
      const session = await client.session()
      const headers = { cookie: session.cookie }
      // Twice: with tracking, the second answer comes from memory, which the logout must then reach.
      await expectStatus(harness, role, headers, 200)
      await expectStatus(harness, role, headers, 200)
      silence(harness, quiet)
      await client.logout(session)
      return headers
    }
  })
  /** The credential is not revoked itself: another session of the account changes the password. */
  const passwordProbe = (
    mode: Probe['mode'], role: ProfileRole, client: AuthClient, credential: 'session' | 'token'
  ): Probe => ({
    mode,
    role,
    cause: 'password change',
    action: 'PUT /v1/users/me/password from another session',
    revoke: async () => {
      const headers: Record<string, string> = credential === 'session'
        ? { cookie: (await client.session()).cookie }
        : { authorization: `Bearer ${(await client.tokens()).access_token}` }
      await expectStatus(harness, role, headers, 200)
      await expectStatus(harness, role, headers, 200)
      await client.changePassword(await client.session())
      return headers
    }
  })
  const probes: Probe[] = [
    sessionProbe('session', 'stateless', await clientFor()),
    ...harness.stack.external ? [] : [sessionProbe('session+tracking', 'tracking', await clientFor())],
    tokenProbe('token', 'stateless', await clientFor()),
    ...harness.stack.external ? [] : [tokenProbe('token+denylist', 'denylist', await clientFor()), tokenProbe('token+push', 'push', await clientFor())],
    // Password changes only on the lab's own stack: against a running deployment they would spend its login
    // budgets (three password hashes a sample) on the address this tool runs from.
    ...harness.stack.external
      ? []
      : [
          passwordProbe('session', 'stateless', await clientFor(), 'session'),
          passwordProbe('session+tracking', 'tracking', await clientFor(), 'session'),
          passwordProbe('token', 'stateless', await clientFor(), 'token'),
          passwordProbe('token+denylist', 'denylist', await clientFor(), 'token'),
          passwordProbe('token+push', 'push', await clientFor(), 'token')
        ],
    // The same two in-memory modes with one connection gone silent (socket open, nothing delivered) just
    // before the revocation: the reader that Redis tracks (Redis drops it, and its tracking table), and
    // the push subscriber.
    ...harness.stack.faults === undefined
      ? []
      : [
          sessionProbe('session+tracking', 'quiet-tracking', await clientFor(), {
            connection: /:session-cache$/, fault: { kind: 'silent', serverSide: 'closed' }, name: 'tracked reader silent', metricMode: 'session-tracking'
          }),
          tokenProbe('token+push', 'quiet-push', await clientFor(), {
            connection: /:revocations$/, fault: { kind: 'silent', serverSide: 'open' }, name: 'push subscriber silent', metricMode: 'push'
          })
        ]
  ]
  const results: RevocationRecord[] = []
  for (const probe of probes) {
    if (harness.stack.profiles[probe.role] === undefined) continue
    const samples: number[] = []
    const { quiet } = probe
    // A quiet connection costs up to the bound: wait that long before concluding anything.
    const patienceMs = quiet === undefined ? plan.patienceMs : Math.max(plan.patienceMs, 2 * BOUND_MS)
    for (let i = 0; i < plan.repeats; i++) {
      if (quiet !== undefined) await untilTrusted(harness, probe.role, quiet.metricMode)
      const headers = await probe.revoke()
      const lag = await timeUntilRefused(harness, probe.role, headers, patienceMs, quiet === undefined ? 401 : 'any')
      if (lag === null) break
      samples.push(Number(lag.toFixed(2)))
    }
    const fault = {
      ...quiet === undefined ? {} : { fault: quiet.name, boundMs: BOUND_MS },
      ...probe.cause === undefined ? {} : { cause: probe.cause }
    }
    results.push(samples.length === 0
      ? {
          mode: probe.mode,
          action: probe.action,
          lagMs: null,
          samplesMs: [],
          ...fault,
          note: quiet === undefined
            ? `still accepted ${plan.patienceMs} ms after the revocation: a stateless token works until its exp (ACCESS_TOKEN_TTL, 900 s by default)`
            : `still accepted ${patienceMs} ms after the revocation, past the ${BOUND_MS} ms bound`
        }
      : { mode: probe.mode, action: probe.action, lagMs: median(samples), samplesMs: samples, ...fault })
  }
  // A running deployment has one profile configuration: its `token` line is whatever TOKEN_REVOCATION it runs.
  if (harness.stack.external) {
    for (const result of results) if (result.mode === 'token') result.note = `${result.note ?? ''} (external target: its own TOKEN_REVOCATION applies)`.trim()
  }
  return results
}

async function me (harness: Harness, role: ProfileRole, headers: Record<string, string>): Promise<number> {
  const response = await fetch(`${harness.stack.profiles[role]?.url as string}/v1/me`, { headers })
  await response.arrayBuffer()
  return response.status
}

async function expectStatus (
  harness: Harness, role: ProfileRole, headers: Record<string, string>, status: number
): Promise<void> {
  const got = await me(harness, role, headers)
  if (got !== status) throw new Error(`revocation lag: expected ${status} before revoking, got ${got}`)
}

/** Until the first answer that refuses: 401, or with a fault, anything but 200 (503 while Redis does not answer). */
async function timeUntilRefused (
  harness: Harness, role: ProfileRole, headers: Record<string, string>, patienceMs: number, refusal: 401 | 'any'
): Promise<number | null> {
  const revokedAt = performance.now()
  while (performance.now() - revokedAt < patienceMs) {
    const status = await me(harness, role, headers)
    if (refusal === 'any' ? status !== 200 : status === refusal) return performance.now() - revokedAt
  }
  return null
}

function silence (harness: Harness, quiet: Probe['quiet']): void {
  if (quiet === undefined) return
  if (harness.stack.faults?.apply(quiet.fault, quiet.connection) !== 1) {
    throw new Error(`revocation lag: no connection matching ${String(quiet.connection)} to silence`)
  }
}

/** Until the instance trusts its in-memory state again (after the previous probe's fault was repaired). */
async function untilTrusted (harness: Harness, role: ProfileRole, metricMode: string): Promise<void> {
  const deadline = performance.now() + 15_000
  const trusted = new RegExp(`^authpair_revocation_trusted\\{mode="${metricMode}"[^}]*\\} 1$`, 'm')
  while (performance.now() < deadline) {
    const metrics = await (await fetch(`${harness.stack.profiles[role]?.url as string}/metrics`)).text()
    if (trusted.test(metrics)) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`revocation lag: ${role} did not trust its ${metricMode} state again within 15 s`)
}
