import t from 'tap'
import { ExpiringCache } from '../src/expiring-cache.js'

t.test('an entry is never served at or past its token expiry', async (t) => {
  const cache = new ExpiringCache<string>(10)
  cache.set('token', 'claims', 1_000)
  t.equal(cache.get('token', 999), 'claims')
  t.equal(cache.get('token', 1_000), undefined)
  t.equal(cache.get('token', 500), undefined, 'and it is gone once expired')
})

t.test('the cache is bounded, evicting the oldest entry', async (t) => {
  const cache = new ExpiringCache<number>(2)
  cache.set('a', 1, Infinity)
  cache.set('b', 2, Infinity)
  cache.set('c', 3, Infinity)
  t.equal(cache.get('a'), undefined)
  t.equal(cache.get('b'), 2)
  t.equal(cache.get('c'), 3)
})

t.test('size 0 turns it off', async (t) => {
  const cache = new ExpiringCache<number>(0)
  cache.set('a', 1, Infinity)
  t.equal(cache.get('a'), undefined)
})
