import ipaddr from 'ipaddr.js'

// A forwarded value may carry a port (`198.51.100.20:40001`, `[2001:db8::1]:443`) or an IPv6 zone (`%eth0`).
const IPV4_WITH_PORT = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/
const BRACKETED = /^\[([^\]]+)\](?::\d+)?$/

/**
 * The address a per-client limit counts against, whatever form the proxy wrote it in. An IPv4 client is
 * its address. An IPv6 client usually holds a whole /64 (SLAAC, privacy addresses): counting each address
 * apart would let it rotate through 2^64 of them, so the /64 is the client. An IPv4-mapped IPv6 address,
 * dotted or not (`::ffff:1.2.3.4`, `::ffff:0102:0304`), counts as its IPv4 address. Ports, brackets and
 * zones are stripped. Anything that is no address at all is its own bucket, verbatim.
 */
export function clientBucket (raw: string): string {
  const text = (IPV4_WITH_PORT.exec(raw)?.[1] ?? BRACKETED.exec(raw)?.[1] ?? raw).split('%')[0] as string
  if (!ipaddr.isValid(text)) return `unparsed:${raw}`
  const address = ipaddr.process(text) // IPv4-mapped IPv6 becomes the IPv4 address
  if (address.kind() === 'ipv4') return address.toString()
  const groups = (address as ipaddr.IPv6).parts.slice(0, 4).map((part) => part.toString(16))
  return `${groups.join(':')}::/64`
}
