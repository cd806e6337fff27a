import { isIPv6 } from 'node:net'

/**
 * The address a per-client limit counts against. An IPv4 client is its address. An IPv6 client usually
 * holds a whole /64 (SLAAC, privacy addresses): counting each address apart would let it rotate through
 * 2^64 of them, so the /64 is the client. IPv4-mapped IPv6 addresses count as their IPv4 address.
 */
export function clientBucket (ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)
  if (mapped !== null) return mapped[1] as string
  if (!isIPv6(ip)) return ip
  return `${expandIPv6(ip).slice(0, 4).join(':')}::/64`
}

/** The eight 16-bit groups of an IPv6 address, `::` expanded, without leading zeros. */
function expandIPv6 (ip: string): string[] {
  const [head = '', tail] = ip.split('%')[0]?.split('::') ?? ['']
  const left = head === '' ? [] : head.split(':')
  const right = tail === undefined || tail === '' ? [] : tail.split(':')
  const zeros = Array.from({ length: 8 - left.length - right.length }, () => '0')
  return [...left, ...(tail === undefined ? [] : zeros), ...right].map((group) => group.replace(/^0+(?=.)/, '').toLowerCase())
}
