// `pnpm soak`: minutes of mixed load (session and token reads, profile writes, logins), window by
// window, reporting the memory and latency of both services so that drift shows. Not part of CI.
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { Harness } from './harness.js'
import { runLoad } from './load.js'
import { pinSelf } from './services.js'
import { startStack } from './stack.js'
import { formatTable } from './table.js'

const { values } = parseArgs({ options: { minutes: { type: 'string', default: '3' }, window: { type: 'string', default: '20' } } })
const windowSeconds = Number(values.window)
const windows = Math.max(2, Math.round(Number(values.minutes) * 60 / windowSeconds))

const rssMiB = (pid: number | undefined): number => {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid ?? 'self'}/status`, 'utf8'))
  return Math.round(Number(match?.[1] ?? 0) / 1024)
}

const stack = await startStack({ roles: ['push'], serviceCpu: 0, otherCpu: 1 })
pinSelf(1)
try {
  const harness = await Harness.create(stack, {
    duration: windowSeconds,
    warmup: 0,
    warmupEveryRun: false,
    connections: 50,
    pipelining: 1,
    manyTokens: 200,
    arrivals: 'constant',
    progress: false
  })
  const profile = stack.profiles.push as { url: string, pid?: number }
  const bearer = { authorization: `Bearer ${harness.bearer}`, 'content-type': 'application/json' }
  // Half session, half token reads, the tokens spread over 200 distinct ones.
  const readers = harness.headerSets('many-bearers').flatMap((headers) => [headers, ...harness.headerSets('cookie')])
  const rows: string[][] = []
  const first = { rss: 0, p99: 0 }
  for (let window = 1; window <= windows; window++) {
    const [reads, writes] = await Promise.all([
      runLoad({ url: `${profile.url}/v1/me`, title: 'reads', headerSets: readers, duration: windowSeconds, connections: 50, pipelining: 1 }),
      runLoad({ url: `${profile.url}/v1/profile`, title: 'writes', method: 'PATCH', body: JSON.stringify({ bio: `window ${window}` }), headerSets: [bearer], duration: windowSeconds, connections: 4, pipelining: 1, rate: 200 }),
      // A login and a logout now and then: sessions come and go during the soak.
      (async () => {
        for (let i = 0; i < windowSeconds / 5; i++) await harness.client.logout(await harness.client.session())
      })()
    ])
    const rss = rssMiB(profile.pid)
    if (window === 1) Object.assign(first, { rss, p99: reads.latency.p99 })
    rows.push([String(window), Math.round(reads.rps).toLocaleString('en-US'), String(reads.latency.p50), String(reads.latency.p99), String(writes.latency.p99),
      String(reads.errors + reads.non2xx + writes.errors + writes.non2xx), String(rss)])
    console.error(`window ${window}/${windows}: ${Math.round(reads.rps)} req/s, p99 ${reads.latency.p99} ms, profile RSS ${rss} MiB`)
  }
  console.log(formatTable(['window', 'reads req/s', 'read p50 ms', 'read p99 ms', 'write p99 ms', 'failed', 'profile RSS MiB'], rows))
  const last = rows.at(-1) as string[]
  console.log(`drift, first to last window: profile RSS ${first.rss} → ${last[6] ?? ''} MiB, read p99 ${first.p99} → ${last[3] ?? ''} ms`)
  harness.close()
} finally {
  await stack.close()
}
