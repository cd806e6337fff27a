import * as vega from 'vega'
import { compile, type TopLevelSpec } from 'vega-lite'
import { revocationLabel, revocationLagText, type ReportRecord } from '../schema.js'

/** One chart of the report: a title, what it shows, and its Vega-Lite specification. */
export interface Chart {
  id: string
  title: string
  caption: string
  spec: TopLevelSpec
}

const MODE_COLORS = {
  domain: ['ceiling', 'session', 'session+tracking', 'token', 'token+denylist', 'token+push', 'express (naive)', 'fastify (textbook)'],
  range: ['#9e9e9e', '#d1495b', '#8f2d56', '#00798c', '#edae49', '#30638e', '#5d5d5d', '#3a7d44']
}
/** The mode colours, with a legend listing only the modes the chart draws. */
function colorFor (modes: string[]) {
  const present = new Set(modes)
  const keep = MODE_COLORS.domain.map((mode, i) => [mode, MODE_COLORS.range[i] as string] as const)
    .filter(([mode]) => present.has(mode))
  return { field: 'mode', type: 'nominal', title: 'mode', scale: { domain: keep.map(([mode]) => mode), range: keep.map(([, hue]) => hue) } } as const
}
const WIDTH = 560

/** The report's charts, each only when its scenario ran. */
export function charts (report: ReportRecord): Chart[] {
  const list: Chart[] = []
  const runsOf = (scenario: string) => report.runs.filter((run) => run.scenario === scenario)
  const label = (run: { mode: string, variant: string }) => `${run.mode} · ${run.variant}`

  const throughput = runsOf('throughput')
  if (throughput.length > 0) {
    list.push({
      id: 'throughput',
      title: 'Throughput by mode (closed loop)',
      caption: 'Answered requests per second on GET /v1/me; the ceiling is a bare route of the same process. Measured.',
      spec: {
        width: WIDTH,
        data: { values: throughput.map((run) => ({ label: label(run), mode: run.mode, rps: run.rps })) },
        mark: { type: 'bar' },
        encoding: {
          y: { field: 'label', type: 'nominal', sort: null, title: null },
          x: { field: 'rps', type: 'quantitative', title: 'requests per second' },
          color: colorFor(throughput.map((run) => run.mode))
        }
      }
    })
  }

  const fixed = runsOf('fixed-rate')
  if (fixed.length > 0) {
    list.push({
      id: 'latency',
      title: `Latency percentiles at one offered rate (${fixed[0]?.offeredRate ?? '?'} req/s, open loop)`,
      caption: 'Every mode answers the same offered load, sent evenly (open loop); p50, p90, p99 and p99.9 in milliseconds, recorded in microseconds from each request\'s intended start, so a stall counts for every request due during it. Measured.',
      spec: {
        width: WIDTH,
        data: { values: fixed.flatMap((run) => (['p50', 'p90', 'p99', 'p999'] as const).map((percentile) => ({ label: label(run), mode: run.mode, percentile, ms: run.latency[percentile] ?? null }))) },
        mark: { type: 'bar' },
        encoding: {
          y: { field: 'label', type: 'nominal', sort: null, title: null },
          yOffset: { field: 'percentile', type: 'nominal', sort: ['p50', 'p90', 'p99', 'p999'] },
          x: { field: 'ms', type: 'quantitative', title: 'latency (ms)' },
          color: colorFor(fixed.map((run) => run.mode)),
          // The legend draws the four shades on one grey, so they can be told apart (not four black squares).
          opacity: {
            field: 'percentile',
            type: 'ordinal',
            sort: ['p50', 'p90', 'p99', 'p999'],
            scale: { domain: ['p50', 'p90', 'p99', 'p999'], range: [1, 0.7, 0.45, 0.25] },
            legend: { symbolFillColor: '#30638e', symbolStrokeColor: '#30638e', symbolType: 'square' }
          }
        }
      }
    })
  }

  const distance = runsOf('store-distance')
  if (distance.length > 0) {
    list.push({
      id: 'store-distance',
      title: 'Latency against the distance to Redis',
      caption: 'Redis reached through a proxy that adds a round trip; p50 (solid) and p99 (dashed). ' +
        (distance[0]?.offeredRate === undefined
          ? 'Closed loop, whole milliseconds. Measured.'
          : `Open loop at ${distance[0].offeredRate} req/s, each latency from its request's intended start, in microseconds. Measured.`),
      spec: {
        width: WIDTH,
        data: { values: distance.flatMap((run) => (['p50', 'p99'] as const).map((percentile) => ({ mode: run.mode, line: `${run.mode}${run.variant.includes('pipelining off') ? ', auto-pipelining off' : ''}`, rtt: run.addedRttMs, percentile, ms: run.latency[percentile] }))) },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'rtt', type: 'quantitative', title: 'added store round trip (ms)' },
          y: { field: 'ms', type: 'quantitative', title: 'latency (ms)' },
          color: colorFor(distance.map((run) => run.mode)),
          strokeDash: { field: 'percentile', type: 'nominal', scale: { domain: ['p50', 'p99'], range: [[1, 0], [6, 3]] }, legend: { symbolType: 'stroke' } },
          shape: { field: 'line', type: 'nominal', title: 'instance' },
          detail: [{ field: 'percentile' }, { field: 'line' }]
        }
      }
    })
  }

  const outage = runsOf('outage')
  if (outage.length > 0) {
    // One line per mode and variant: session+tracking runs twice (fail-closed, serve-cached), as two series.
    const points = outage.flatMap((run) => (run.timeline ?? []).map((point) => ({
      mode: run.mode,
      series: run.mode === 'session+tracking' ? `${run.mode} (${run.variant.split(',')[0] as string})` : run.mode,
      second: point.second,
      success: point.ok + point.failed === 0 ? null : Math.round(1000 * point.ok / (point.ok + point.failed)) / 10
    })))
    const down = (outage[0]?.timeline ?? []).filter((point) => point.storeDown)
      .map((point) => ({ from: point.second, to: point.second + 1 }))
    list.push({
      id: 'outage',
      title: 'Success rate while Redis is down',
      caption: 'Share of 2xx answers per second, every mode under the same load; the shaded seconds are the outage. Measured.',
      spec: {
        width: WIDTH,
        layer: [
          { data: { values: down }, mark: { type: 'rect', color: '#eeeeee' }, encoding: { x: { field: 'from', type: 'quantitative' }, x2: { field: 'to' } } },
          {
            data: { values: points },
            mark: { type: 'line', point: true },
            encoding: {
              x: { field: 'second', type: 'quantitative', title: 'second of the run' },
              y: { field: 'success', type: 'quantitative', title: '2xx answers (%)', scale: { domain: [0, 100] } },
              // One colour per line: the mode's, and a lighter one for session+tracking's serve-cached variant.
              color: {
                field: 'series',
                type: 'nominal',
                title: 'mode (variant)',
                scale: {
                  domain: [...new Set(points.map((point) => point.series))],
                  range: [...new Set(points.map((point) => point.series))].map((series) => series.endsWith('(serve-cached)')
                    ? '#c77d9b'
                    : MODE_COLORS.range[MODE_COLORS.domain.indexOf(series.split(' (')[0] as string)] ?? '#555')
                }
              }
            }
          }
        ]
      }
    })
  }

  if (report.revocation.length > 0) {
    const values = report.revocation.map((entry) => ({
      label: revocationLabel(entry),
      mode: entry.mode,
      lag: entry.lagMs,
      text: entry.lagMs === null ? `still accepted: ${revocationLagText(entry)}` : revocationLagText(entry)
    }))
    list.push({
      id: 'revocation',
      title: 'Revocation lag: from logout or revoke to the first refusal',
      caption: 'Median over the repeats, including one request round trip. A bar you cannot see is near zero; "until exp" means the credential kept working. Measured.',
      spec: {
        width: WIDTH,
        data: { values },
        encoding: { y: { field: 'label', type: 'nominal', sort: null, title: null } },
        layer: [
          { mark: { type: 'bar' }, encoding: { x: { field: 'lag', type: 'quantitative', title: 'lag (ms)' }, color: colorFor(report.revocation.filter((entry) => entry.lagMs !== null).map((entry) => entry.mode)) } },
          { mark: { type: 'text', align: 'left', dx: 4 }, encoding: { x: { datum: 0 }, text: { field: 'text' } } }
        ]
      }
    })
  }

  if (report.capacity !== null) {
    list.push({
      id: 'capacity',
      title: 'Projected throughput against profile instances',
      caption: 'Projected, not measured: each instance (one core) serves 1e6 / measured CPU µs per request, capped by what one Redis core serves for the mode (its measured Redis ceiling, or CPU per command where none was measured), times the Redis Cluster shards (dashed: 3 shards).',
      spec: {
        width: WIDTH,
        data: { values: report.capacity.projection.map((row) => ({ ...row, line: `${row.mode} · ${row.variant} · ${row.redisShards} shard${row.redisShards > 1 ? 's' : ''}` })) },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'instances', type: 'quantitative', scale: { type: 'log', base: 2 }, title: 'profile instances' },
          y: { field: 'rps', type: 'quantitative', scale: { type: 'log' }, title: 'requests per second (projected)' },
          color: colorFor(report.capacity.projection.map((row) => row.mode)),
          strokeDash: { field: 'redisShards', type: 'ordinal', title: 'Redis shards', scale: { domain: [1, 3], range: [[1, 0], [6, 3]] }, legend: { symbolType: 'stroke' } },
          detail: { field: 'line' }
        }
      }
    })
  }
  return list
}

/** Vega-Lite → Vega → SVG, in this process: the report needs no script and no network to show it. */
export async function renderSvg (spec: TopLevelSpec): Promise<string> {
  // No label cut with "…": the page scales a wide chart down instead (figure svg { max-width: 100% }).
  const config = { axis: { labelLimit: 0, titleLimit: 0 }, legend: { labelLimit: 0, titleLimit: 0 } }
  const view = new vega.View(vega.parse(compile({ ...spec, config } as TopLevelSpec).spec), { renderer: 'none' })
  try {
    return await view.toSVG()
  } finally {
    view.finalize()
  }
}
