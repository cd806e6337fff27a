import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { findings } from '../src/findings.js'
import { Report, schemaProblems, type ReportRecord } from '../src/schema.js'

const CHROMIUM = '/usr/bin/chromium'
const cli = fileURLToPath(new URL('../bin/authpair-compare.js', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'authpair-compare-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))

async function runCli (
  args: string[]
): Promise<{ code: number | null, stdout: string, stderr: string, seconds: number }> {
  const started = performance.now()
  // REDIS_URL unset: the tool starts a redis-server of its own, which the outage scenario needs.
  const { REDIS_URL: _ignored, ...env } = process.env
  const child = spawn(process.execPath, [cli, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
  return { code, stdout, stderr, seconds: (performance.now() - started) / 1000 }
}

t.test('--quick measures every mode and scenario, within two and a half minutes, into JSON and HTML', async (t) => {
  const json = join(dir, 'report.json')
  const html = join(dir, 'report.html')
  // The committed instruction runs (pnpm bench --instructions): the report's deterministic cost figures.
  const bench = (name: string) => fileURLToPath(new URL(`../../../docs/bench/${name}.json`, import.meta.url))
  const instructions = ['instructions-after-run1', 'instructions-after-run2'].map(bench)
  // And a quiet run of the same samples in CPU time (pnpm bench --cpu-time), set beside the instruction ratios.
  const result = await runCli([
    '--quick', '--json', json, '--report', html, '--instructions-from', instructions.join(','), '--cpu-time-from', bench('cpu-time-quiet')
  ])
  t.equal(result.code, 0, result.stderr)
  t.ok(result.seconds < 150, `--quick took ${result.seconds.toFixed(1)} s`)
  t.match(result.stdout, /scenario\s+mode\s+variant\s+req\/s/, 'a summary table is printed')

  const report = JSON.parse(readFileSync(json, 'utf8')) as ReportRecord
  t.same(schemaProblems(Report, report), [], 'the JSON matches its schema')
  t.equal(report.meta.settings.quick, true)

  const modesOf = (scenario: string) =>
    new Set(report.runs.filter((run) => run.scenario === scenario).map((run) => run.mode))
  t.same([...modesOf('throughput')].sort(),
    ['ceiling', 'express (naive)', 'fastify (textbook)', 'session', 'session+tracking', 'token', 'token+denylist', 'token+push'],
    'every mode ran, and both reference servers')
  t.ok(report.runs.some((run) => run.mode === 'token' && /cache off/.test(run.variant)) && report.runs.some((run) => run.mode === 'token' && /100 tokens/.test(run.variant)),
    'the token mode ran with the cache off and on, with one token and with many')
  t.same([...modesOf('store-distance')].sort(), ['session', 'session+tracking', 'token'])
  t.same(report.runs.filter((run) => run.scenario === 'store-distance').map((run) => run.addedRttMs), [0, 0, 0, 0, 1, 1, 1, 1, 5, 5, 5, 5])
  for (const run of report.runs.filter((run) => run.scenario !== 'outage')) {
    t.ok(run.rps > 0 && run.errors === 0 && run.non2xx === 0 && !run.flagged, `${run.scenario} ${run.mode} (${run.variant}): ${run.rps} req/s, ${run.errors} errors, ${run.non2xx} non-2xx`)
  }
  const session = report.runs.find((run) => run.scenario === 'throughput' && run.mode === 'session')
  const token = report.runs.find((run) => run.scenario === 'throughput' && run.mode === 'token')
  t.ok(session !== undefined && session.redisCommandsPerRequest !== null && session.redisCommandsPerRequest >= 0.9, 'a session request costs a Redis command')
  t.ok(token !== undefined && token.redisCommandsPerRequest !== null && token.redisCommandsPerRequest < 0.1, 'a token request costs none')
  t.ok(token !== undefined && session !== undefined && token.credentialBytes > session.credentialBytes, 'a bearer header is bigger than the session cookie')
  const tracked = report.runs.find((run) => run.scenario === 'throughput' && run.mode === 'session+tracking')
  t.ok(tracked !== undefined && tracked.redisCommandsPerRequest !== null && tracked.redisCommandsPerRequest < 0.1, 'a tracked session request costs no Redis command')

  const outage = (mode: string, variant = '') => report.runs.find((run) =>
    run.scenario === 'outage' && run.mode === mode && run.variant.startsWith(variant))?.timeline ?? []
  const failedWhileDown = (mode: string) =>
    outage(mode).filter((point) => point.storeDown).reduce((sum, point) => sum + point.failed, 0)
  t.ok(failedWhileDown('session') > 0, 'sessions fail while Redis is down')
  t.ok(failedWhileDown('token+denylist') > 0, 'the denylist fails closed while Redis is down')
  t.ok(failedWhileDown('session+tracking') > 0, 'tracked sessions fail closed by default')
  for (const [mode, variant] of [['token', ''], ['token+push', ''], ['session+tracking', 'serve-cached']]) {
    const points = outage(mode as string, variant)
    t.ok(points.length >= 5 && points.every((point) => point.failed === 0) && points.some((point) => point.storeDown && point.ok > 0), `${mode} keeps answering 200 through the outage`)
  }
  const lastSecond = report.runs.find((run) => run.scenario === 'outage')?.timeline?.find((point) => point.second === 5)
  const lastSession = outage('session').find((point) => point.second === 5)
  t.ok(lastSecond?.storeDown === false && lastSession !== undefined && lastSession.ok > 0 && lastSession.failed === 0,
    'sessions recover by themselves once Redis is back (reconnection backoff at most 1 s)')

  const healthy = report.revocation.filter((entry) => entry.fault === undefined && entry.cause === undefined)
  const lag = Object.fromEntries(healthy.map((entry) => [entry.mode, entry.lagMs]))
  const quiet = report.revocation.filter((entry) => entry.fault !== undefined)
  t.same(quiet.map((entry) => entry.mode).sort(), ['session+tracking', 'token+push'], 'both in-memory modes are tried with a silent connection')
  for (const entry of quiet) {
    t.ok(entry.lagMs !== null && entry.lagMs <= (entry.boundMs as number) + 300,
      `${entry.mode}, ${entry.fault ?? ''}: refused ${String(entry.lagMs)} ms after the revocation (bound ${String(entry.boundMs)} ms)`)
  }
  t.equal(lag.token, null, 'a revoked token with revocation off keeps working')
  for (const mode of ['session', 'session+tracking', 'token+denylist', 'token+push']) t.ok(typeof lag[mode] === 'number' && (lag[mode] as number) < 100, `${mode}: refused ${String(lag[mode])} ms after the revocation`)
  const changed = Object.fromEntries(report.revocation.filter((entry) => entry.cause === 'password change').map((entry) => [entry.mode, entry.lagMs]))
  t.same(Object.keys(changed).sort(), ['session', 'session+tracking', 'token', 'token+denylist', 'token+push'], 'a password change is measured in every mode')
  t.equal(changed.token, null, 'after a password change, an older token with revocation off keeps working')
  for (const mode of ['session', 'session+tracking', 'token+denylist', 'token+push']) {
    t.ok(typeof changed[mode] === 'number' && (changed[mode] as number) < 100, `${mode}: refused ${String(changed[mode])} ms after the password change`)
  }

  t.ok(report.capacity !== null && report.capacity.projection.length > 0, 'the capacity model is in the report')
  const ceiling = report.capacity?.redisCeiling
  t.ok(ceiling !== null && ceiling !== undefined && ceiling.measured.some((row) => row.command === 'session GET' && row.commandsPerSecond > 10_000),
    'the Redis ceiling is measured with the session GET')
  t.ok(ceiling?.measured.every((row) => Number.isInteger(Math.round(row.redisCpuShare * 1e6) / 1e4)),
    'Redis\'s CPU share is kept to the whole percent the table shows, which decides "saturated"')
  const sessionCapacity = report.capacity?.modes.find((mode) => mode.mode === 'session')
  const sessionCeiling = ceiling?.measured.find((row) => row.command === 'session GET' && row.batch === ceiling.assumedBatch)
  const expected = sessionCapacity === undefined || sessionCeiling === undefined
    ? undefined
    : Math.round(sessionCeiling.ceilingCommandsPerSecond / sessionCapacity.redisCommandsPerRequest)
  t.ok(expected !== undefined && sessionCapacity?.redisCeilingRps === expected,
    'and the model uses it: the ceiling at the assumed batch over the GETs per request')
  const depth = session?.redisCommandsPerRead
  const measuredAt = depth == null ? undefined : Math.max(1, Math.round(depth))
  t.ok(measuredAt !== undefined && ceiling?.assumedBatch === measuredAt && sessionCapacity?.redisBatch === measuredAt,
    `the ceiling is measured at the depth the session run's reads arrived in (${String(depth)} commands per read event), not the nearest benchmarked batch`)

  const distant = report.runs.filter((run) => run.scenario === 'store-distance')
  t.ok(distant.every((run) => run.offeredRate === 500 && run.latency.p999 !== undefined && run.latency.p50 > 0),
    'store distance: open loop, latencies in microseconds (no median of 0 ms)')

  for (const run of report.runs.filter((run) => run.scenario === 'fixed-rate' || run.scenario === 'outage')) {
    t.ok(run.latency.p999 !== undefined && /open loop/.test(run.generator ?? ''),
      `${run.scenario} ${run.mode}: open loop, p99.9 ${run.latency.p999 ?? '?'} ms`)
  }
  const bracketed = report.runs.filter((run) => run.scenario === 'throughput' && run.mode !== 'ceiling' && run.mode !== 'fastify (textbook)')
  const hasCeiling = (run: ReportRecord['runs'][number]) => run.ceilingRps !== undefined && run.ratioToCeiling !== undefined
  t.ok(bracketed.length > 0 && bracketed.every(hasCeiling),
    'every throughput mode has the ceiling measured just before and after it')
  t.equal(report.trust.ceilingRps.length, bracketed.length + 1)
  t.ok(bracketed.some((run) => run.mode === 'express (naive)' && run.variant.startsWith('express-session')),
    'the naive express baseline is a reference row')
  const throughputRows = report.runs.filter((run) => run.scenario === 'throughput')
  t.ok(throughputRows.some((run) => run.mode === 'fastify (textbook)' && run.ratioToTextbookBare === 1),
    'the textbook Fastify bare route is a reference row')
  t.ok(throughputRows.every((run) => run.ratioToTextbookBare !== undefined && run.ratioToTextbookBare > 0),
    'every throughput row is also given against the textbook bare route')

  t.test('the report leads with findings generated from the JSON', async (t) => {
    const sentences = findings(report)
    t.ok(sentences.length >= 5, sentences.join('\n'))
    const page = readFileSync(html, 'utf8')
    t.ok(page.indexOf('id="findings"') < page.indexOf('<h2>Summary</h2>'), 'the findings come before the tables')
    t.match(result.stdout, /What this run found:\n- Per request, in instructions/, 'and open the console summary, instruction counts first')
    t.match(result.stdout, /\nWhich to pick:\n- token\+push when /, 'then the decisions')
    t.match(result.stderr, /\] +throughput · session · signed cookie \+ one GET: [\d,]+ req\/s\n/, 'the progress names every finished run')
    const edited = structuredClone(report)
    const session = edited.runs.find((run) => run.scenario === 'throughput' && run.mode === 'session') as ReportRecord['runs'][number]
    session.cpuMicrosPerRequest = 7
    t.match(findings(edited).find((sentence) => sentence.startsWith('Cheapest')), /^Cheapest per request: session, 7 µs/,
      'change a number in the JSON and the sentence follows')
    t.match(result.stdout, /\n- Instructions are not time: on a quiet run/, 'the quiet CPU-time run is set against the instruction counts')
    t.match(result.stdout, /Instruction ratios against CPU-time ratios of a quiet run:\nserver +route +× own bare, instructions/)
    t.match(page, /<h3>Instructions against CPU time<\/h3>/)
  })
  const fanout = report.fanout?.rows ?? []
  const messages = (tracking: string, subscribers: number, write: string) =>
    fanout.find((row) => row.tracking === tracking && row.subscribers === subscribers && row.write === write)
      ?.messagesPerWrite
  t.equal(messages('default', 4, 'existing'), 4, 'default tracking: a write to a session read by 4 processes sends 4 invalidations')
  t.equal(messages('default', 4, 'new'), 0, 'and a login nobody read sends none')
  t.equal(messages('bcast', 4, 'new'), 4, 'BCAST sends every write to every process')

  const page = readFileSync(html, 'utf8')
  t.notMatch(page, /<script|https?:\/\/(?!www\.w3\.org)/, 'the report loads nothing and runs no script')
  t.test('the HTML report renders its charts in Chromium', { skip: existsSync(CHROMIUM) ? false : 'Chromium not installed' }, async (t) => {
    const { chromium } = await import('playwright-core')
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] })
    t.teardown(async () => { await browser.close() })
    const tab = await browser.newPage()
    await tab.goto(`file://${html}`)
    const charts = await tab.$$eval('figure', (figures) => figures.map((figure) => ({
      id: figure.id,
      marks: figure.querySelectorAll('svg [class^="mark-"] path, svg [class^="mark-"] line, svg [class^="mark-"] rect').length,
      width: figure.querySelector('svg')?.getBoundingClientRect().width ?? 0
    })))
    t.same(charts.map((chart) => chart.id).sort(), ['chart-capacity', 'chart-latency', 'chart-outage', 'chart-revocation', 'chart-store-distance', 'chart-throughput'])
    for (const chart of charts) t.ok(chart.marks > 3 && chart.width > 200, `${chart.id}: ${chart.marks} marks drawn, ${Math.round(chart.width)} px wide`)

    await tab.setViewportSize({ width: 1280, height: 900 })
    const layout = await tab.$eval('html', (root) => ({ scroll: root.scrollWidth, client: root.clientWidth }))
    t.ok(layout.scroll <= layout.client, `no horizontal overflow at 1,280 px (${layout.scroll} ≤ ${layout.client})`)
    const cut = await tab.$$eval('svg text', (texts) => texts.map((text) => text.textContent ?? '').filter((text) => text.endsWith('…')))
    t.same(cut, [], 'no label or title cut short with "…"')
    // Each legend names only what its chart draws: every legend label is a value in the chart's data.
    const legends = await tab.$$eval('figure', (figures) => figures.map((figure) => ({
      id: figure.id,
      labels: [...figure.querySelectorAll('.role-legend-label text')].map((text) => text.textContent ?? ''),
      texts: [...figure.querySelectorAll('svg text')].filter((text) => text.closest('.role-legend') === null).map((text) => text.textContent ?? '')
    })))
    const measured = JSON.parse(readFileSync(json, 'utf8')) as ReportRecord
    const scenarioOf: Record<string, string> = {
      'chart-throughput': 'throughput', 'chart-latency': 'fixed-rate', 'chart-store-distance': 'store-distance', 'chart-outage': 'outage'
    }
    const drawnIn = (id: string): Set<string> => {
      if (id === 'chart-revocation') return new Set(measured.revocation.filter((entry) => entry.lagMs !== null).map((entry) => entry.mode))
      if (id === 'chart-capacity') return new Set(measured.capacity?.projection.map((row) => row.mode))
      const runs = measured.runs.filter((run) => run.scenario === scenarioOf[id])
      // Lines are named by mode and variant (outage), or mode and pipelining (store distance).
      return new Set([...runs.map((run) => run.mode), ...runs.map((run) => `${run.mode} (${run.variant.split(',')[0] as string})`),
        ...runs.map((run) => `${run.mode}, auto-pipelining off`)])
    }
    for (const legend of legends) {
      const modes = legend.labels.filter((label) => /^(session|token|ceiling|express|fastify)/.test(label))
      const drawn = drawnIn(legend.id)
      t.same(modes.filter((label) => !drawn.has(label)), [], `${legend.id}: the legend lists only what the chart draws`)
    }
    t.ok(legends.some((legend) => legend.labels.includes('session+tracking (serve-cached)')) &&
      legends.some((legend) => legend.labels.includes('session+tracking (fail-closed)')), 'the outage chart draws both session+tracking variants as lines of their own')
    t.ok(await tab.locator('#decide tr').count() >= 6, 'the decision table: a header and a row per mode')
  })

  t.test('--from makes the same summary and page again from the JSON, measuring nothing', async (t) => {
    const again = join(dir, 'again.html')
    const remade = await runCli(['--from', json, '--report', again])
    t.equal(remade.code, 0, remade.stderr)
    t.equal(remade.stdout, result.stdout, 'the same summary')
    t.equal(readFileSync(again, 'utf8'), readFileSync(html, 'utf8'), 'the same page')
    t.ok(remade.seconds < 20, `in ${remade.seconds.toFixed(1)} s: nothing was started`)
  })
})

const canLoadTheProfileCore = cpus().length >= 2 && spawnSync('taskset', ['--version']).status === 0
t.test('a run on a loaded machine is marked in the report and the summary, and --strict exits 3', {
  skip: canLoadTheProfileCore ? false : 'needs two cores and taskset'
}, async (t) => {
  // A busy loop on the core the profile instances are pinned to: what a build or a browser would do.
  const busy = spawn('taskset', ['-c', '0', process.execPath, '-e', 'for (;;) {}'], { stdio: 'ignore' })
  t.teardown(() => { busy.kill('SIGKILL') })
  const json = join(dir, 'loaded.json')
  const html = join(dir, 'loaded.html')
  const result = await runCli(['--quick', '--scenarios', 'throughput', '--strict', '--json', json, '--report', html])
  busy.kill('SIGKILL')
  t.equal(result.code, 3, result.stderr)
  t.match(result.stderr, /--strict: the run is marked untrustworthy/)
  t.match(result.stdout, /^!!! Timings NOT TRUSTWORTHY/, 'the summary opens with the verdict')
  t.match(result.stdout, /! throughput .*other processes used \d\.\d\d cores/, 'and names the marked rows and why')
  const report = JSON.parse(readFileSync(json, 'utf8')) as ReportRecord
  t.equal(report.trust.trustworthy, false)
  const busiest = Math.max(...report.runs.map((run) => run.machine?.otherCores ?? 0))
  t.ok(busiest >= 0.3, `the busy loop was seen: up to ${busiest} cores of other work`)
  const page = readFileSync(html, 'utf8')
  t.ok(page.indexOf('class="verdict"') > 0 && page.indexOf('class="verdict"') < page.indexOf('<h2>Summary</h2>'), 'the report says so before any table')
  t.match(page, /<tr class="flag" title="[^"]*other processes used/, 'and marks the rows')
})

t.test('bad flags are refused with the usage, before anything starts', async (t) => {
  const result = await runCli(['--scenarios', 'throughput,nonsense'])
  t.equal(result.code, 2)
  t.match(result.stderr, /unknown scenario: nonsense/)
  t.match(result.stderr, /Usage: pnpm compare/)
})

t.test('a run of the wrong kind is refused by name, before anything starts', async (t) => {
  const instructions = fileURLToPath(new URL('../../../docs/bench/instructions-after-run1.json', import.meta.url))
  const result = await runCli(['--cpu-time-from', instructions])
  t.not(result.code, 0)
  t.match(result.stderr, /instructions-after-run1\.json counts instructions, not cpu-time/)
})

t.test('the committed report is made again from its JSON, as docs/lab.md shows', async (t) => {
  const page = join(dir, 'committed.html')
  const result = await runCli(['--from', fileURLToPath(new URL('../../../docs/report.json', import.meta.url)), '--report', page])
  t.equal(result.code, 0, result.stderr)
  t.match(result.stdout, /What this run found:\n- Per request, in instructions/)
  t.match(readFileSync(page, 'utf8'), /<h3>Instructions against CPU time<\/h3>/, 'with the quiet CPU-time run it was made with')
})
