import { AuthClient } from '../auth-client.js'
import type { Harness } from '../harness.js'
import { median } from '../numbers.js'
import type { RevocationRecord } from '../schema.js'
import type { ProfileRole } from '../stack.js'

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
}

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
  const tokenProbe = (mode: Probe['mode'], role: ProfileRole, client: AuthClient): Probe => ({
    mode,
    role,
    action: 'POST /v1/tokens/revoke with the access token',
    revoke: async () => {
      const pair = await client.tokens()
      const headers = { authorization: `Bearer ${pair.access_token}` }
      await expectStatus(harness, role, headers, 200)
      await client.revoke(pair)
      return headers
    }
  })
  const sessionProbe = (mode: Probe['mode'], role: ProfileRole, client: AuthClient): Probe => ({
    mode,
    role,
    action: 'DELETE /v1/sessions/current',
    revoke: async () => {
      const session = await client.session()
      const headers = { cookie: session.cookie }
      // Twice: with tracking, the second answer comes from memory, which the logout must then reach.
      await expectStatus(harness, role, headers, 200)
      await expectStatus(harness, role, headers, 200)
      await client.logout(session)
      return headers
    }
  })
  const probes: Probe[] = [
    sessionProbe('session', 'stateless', await clientFor()),
    ...harness.stack.external ? [] : [sessionProbe('session+tracking', 'tracking', await clientFor())],
    tokenProbe('token', 'stateless', await clientFor()),
    ...harness.stack.external ? [] : [tokenProbe('token+denylist', 'denylist', await clientFor()), tokenProbe('token+push', 'push', await clientFor())]
  ]
  const results: RevocationRecord[] = []
  for (const probe of probes) {
    if (harness.stack.profiles[probe.role] === undefined) continue
    const samples: number[] = []
    for (let i = 0; i < plan.repeats; i++) {
      const headers = await probe.revoke()
      const lag = await timeUntilRefused(harness, probe.role, headers, plan.patienceMs)
      if (lag === null) break
      samples.push(Number(lag.toFixed(2)))
    }
    results.push(samples.length === 0
      ? {
          mode: probe.mode,
          action: probe.action,
          lagMs: null,
          samplesMs: [],
          note: `still accepted ${plan.patienceMs} ms after the revocation: a stateless token works until its exp (ACCESS_TOKEN_TTL, 900 s by default)`
        }
      : { mode: probe.mode, action: probe.action, lagMs: median(samples), samplesMs: samples })
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

async function timeUntilRefused (
  harness: Harness, role: ProfileRole, headers: Record<string, string>, patienceMs: number
): Promise<number | null> {
  const revokedAt = performance.now()
  while (performance.now() - revokedAt < patienceMs) {
    if (await me(harness, role, headers) === 401) return performance.now() - revokedAt
  }
  return null
}
