import type { Cluster, Redis } from 'ioredis'

/**
 * What happened to an account, for the services that keep data about its user. `at` is when the auth
 * service recorded it (ISO 8601). A `user-deleted` event is appended before the account's data goes, so a
 * failure in between leaves an account that still exists, never a deleted one whose copies are never told.
 */
export interface AccountEvent {
  type: 'user-deleted' | 'password-changed'
  userId: string
  at: string
}

const TYPES: ReadonlySet<string> = new Set<AccountEvent['type']>(['user-deleted', 'password-changed'])

/** The stream: one for all accounts, appended by the auth service, read by consumer groups. */
export const accountEventsKey = 'account-events'

/** The keys this package owns: the README's key table is checked against them. */
export const ownedKeys: readonly string[] = [accountEventsKey]

/** The entry's fields, as XADD takes them. */
export function encodeEvent ({ type, userId, at }: AccountEvent): string[] {
  return ['type', type, 'userId', userId, 'at', at]
}

/** The event an entry holds, or null for one that is not a well-formed event (it can never be applied). */
export function decodeEvent (fields: string[]): AccountEvent | null {
  const value: Record<string, string> = {}
  for (let i = 0; i + 1 < fields.length; i += 2) value[fields[i] as string] = fields[i + 1] as string
  const { type, userId, at } = value
  if (type === undefined || !TYPES.has(type) || userId === undefined || userId === '' || at === undefined) return null
  return { type: type as AccountEvent['type'], userId, at }
}

/**
 * Appends an event and trims the stream to about `maxLength` entries (`MAXLEN ~`: whole macro nodes, cheap).
 * A consumer group that falls more than `maxLength` entries behind loses the oldest it has not read.
 */
export async function appendAccountEvent (
  redis: Redis | Cluster, event: AccountEvent, maxLength: number
): Promise<string> {
  return await redis.xadd(accountEventsKey, 'MAXLEN', '~', maxLength, '*', ...encodeEvent(event)) as string
}
