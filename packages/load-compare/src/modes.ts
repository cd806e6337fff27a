import type { ModeSpec } from './harness.js'

/** The modes on `GET /v1/me`, each on the profile instance configured for it, plus the bare-route ceiling. */
export function throughputModes (manyTokens: number): ModeSpec[] {
  return [
    { mode: 'ceiling', variant: 'bare route, same process, no auth', role: 'stateless', credential: 'none' },
    { mode: 'session', variant: 'signed cookie + one GET', role: 'stateless', credential: 'cookie' },
    { mode: 'session+tracking', variant: 'signed cookie, session from memory', role: 'tracking', credential: 'cookie' },
    { mode: 'token', variant: 'cache off, one token', role: 'no-cache', credential: 'bearer' },
    { mode: 'token', variant: `cache off, ${manyTokens} tokens`, role: 'no-cache', credential: 'many-bearers' },
    { mode: 'token', variant: 'cache on, one token', role: 'stateless', credential: 'bearer' },
    { mode: 'token', variant: `cache on, ${manyTokens} tokens`, role: 'stateless', credential: 'many-bearers' },
    { mode: 'token+denylist', variant: 'cache on, one token', role: 'denylist', credential: 'bearer' },
    { mode: 'token+push', variant: 'cache on, one token', role: 'push', credential: 'bearer' }
  ]
}

/** One line per mode (one token), for the scenarios that compare modes rather than cache variants. */
export function oneLinePerMode (): ModeSpec[] {
  return throughputModes(1).filter((spec) => spec.credential !== 'many-bearers' && spec.variant !== 'cache off, one token')
}
