import t from 'tap'
import { clientBucket } from '../src/lib/client-address.js'

// Every form a proxy may write an address in, and the bucket it must count against.
const cases: Array<[string, string]> = [
  ['198.51.100.20', '198.51.100.20'],
  ['198.51.100.20:40001', '198.51.100.20'],
  ['198.51.100.20:40002', '198.51.100.20'],
  ['::ffff:198.51.100.20', '198.51.100.20'],
  ['::FFFF:198.51.100.20', '198.51.100.20'],
  ['::ffff:c633:6414', '198.51.100.20'],
  ['::ffff:0102:0304', '1.2.3.4'],
  ['[::ffff:0102:0304]:80', '1.2.3.4'],
  ['0:0:0:0:0:ffff:102:304', '1.2.3.4'],
  ['2001:db8::1', '2001:db8:0:0::/64'],
  ['2001:DB8:0:0:ffff:1:2:3', '2001:db8:0:0::/64'],
  ['[2001:db8::1]:443', '2001:db8:0:0::/64'],
  ['[2001:db8::1]', '2001:db8:0:0::/64'],
  ['2001:db8:0:1::1', '2001:db8:0:1::/64'],
  ['fe80::1%eth0', 'fe80:0:0:0::/64'],
  ['::1', '0:0:0:0::/64'],
  ['not an address', 'unparsed:not an address']
]

t.test('each form of an address lands in its one bucket', async (t) => {
  for (const [raw, bucket] of cases) t.equal(clientBucket(raw), bucket, raw)
})

t.test('two non-dotted IPv4-mapped addresses are two clients, not one shared bucket', async (t) => {
  t.not(clientBucket('::ffff:0102:0304'), clientBucket('::ffff:0506:0708'))
})
