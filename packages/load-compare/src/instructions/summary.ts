import { median } from '../numbers.js'
import { formatTable } from '../table.js'
import type { Figure, InstructionRun } from './measure.js'

/** A figure as measured or as read back from a report (where its server and role are plain strings). */
export type FigureLike = Pick<Figure, 'mode' | 'variant' | 'eventLoop' | 'allThreads'> & { server: string, role?: string }

/** What the summaries need of a run: its figures. */
export interface RunLike { figures: FigureLike[] }

export interface FigureSummary {
  figure: FigureLike
  /** Median over the rounds, thousands of instructions per request, event-loop thread. */
  eventLoop: number
  allThreads: number
  /** (largest − smallest) / median of the rounds, event-loop thread. */
  spread: number
  /** To the bare route of the same process (1 for the bare route itself). */
  overOwnBare: number | undefined
  /** To the textbook Fastify app's bare route. */
  overTextbookBare: number | undefined
}

const isBare = (figure: FigureLike) => figure.mode === 'ceiling'
const sameProcess = (a: FigureLike, b: FigureLike) => a.server === b.server && a.role === b.role

/** Each figure's median, spread and ratios, in the order measured. */
export function summarize (run: RunLike): FigureSummary[] {
  const textbookBare = run.figures.find((figure) => figure.server === 'textbook' && isBare(figure))
  const textbookBareMedian = textbookBare === undefined ? undefined : median(textbookBare.eventLoop)
  return run.figures.map((figure) => {
    const eventLoop = median(figure.eventLoop)
    const ownBare = run.figures.find((other) => isBare(other) && sameProcess(other, figure))
    return {
      figure,
      eventLoop,
      allThreads: median(figure.allThreads),
      spread: (Math.max(...figure.eventLoop) - Math.min(...figure.eventLoop)) / eventLoop,
      overOwnBare: ownBare === undefined ? undefined : eventLoop / median(ownBare.eventLoop),
      overTextbookBare: textbookBareMedian === undefined ? undefined : eventLoop / textbookBareMedian
    }
  })
}

/** One route's cost over its own process's bare route, counted in instructions and in CPU time. */
export interface RatioPair {
  figure: FigureLike
  instructions: number
  cpuTime: number
  /** cpuTime / instructions − 1: what instruction counts leave out (or overstate) for this route. */
  difference: number
}

/**
 * The routes of an instruction run and a CPU-time run (the same routes, the same method, no valgrind) side by
 * side, as ratios to their own process's bare route: the ratio is what a cost finding quotes, and where the
 * two agree, instructions stand for time. Bare routes themselves (ratio 1) are left out.
 */
export function ratioPairs (instructions: RunLike, cpuTime: RunLike): RatioPair[] {
  const timed = summarize(cpuTime)
  return summarize(instructions).flatMap(({ figure, overOwnBare }) => {
    const other = timed.find((entry) => sameRoute(entry.figure, figure))?.overOwnBare
    if (isBare(figure) || overOwnBare === undefined || other === undefined) return []
    return [{ figure, instructions: overOwnBare, cpuTime: other, difference: other / overOwnBare - 1 }]
  })
}

/** The same route of the same process, in two runs. */
export const sameRoute = (a: FigureLike, b: FigureLike): boolean =>
  sameProcess(a, b) && a.mode === b.mode && a.variant === b.variant

/** The run as a terminal table: thousands of instructions (or µs of CPU) per request, per round, and the two ratios. */
export function formatInstructionTable (run: InstructionRun): string {
  const rows = summarize(run).map(({ figure, eventLoop, allThreads, spread, overOwnBare, overTextbookBare }) => [
    figure.role === undefined ? figure.server : `${figure.server} (${figure.role})`,
    `${figure.mode}, ${figure.variant}`,
    eventLoop.toFixed(1),
    figure.eventLoop.map((value) => value.toFixed(1)).join(' / '),
    `${(spread * 100).toFixed(1)} %`,
    allThreads.toFixed(1),
    overOwnBare === undefined ? '—' : overOwnBare.toFixed(2),
    overTextbookBare === undefined ? '—' : overTextbookBare.toFixed(2)
  ])
  const { requests, connections, warmup } = run.settings
  return [
    `${run.unit === 'cpu-time' ? 'CPU time per request (µs, user and kernel)' : 'Instructions per request (thousands)'}, ${requests} requests per sample at ${connections} connections after ${warmup} warm-up requests per route; ${run.node}`,
    formatTable(['server', 'route', 'event loop', 'rounds', 'spread', 'all threads', '/ own bare', '/ textbook bare'], rows),
    run.restarts > 0 ? `${run.restarts} process(es) started again: slow nextTick state after warm-up` : 'No process was in the slow nextTick state.'
  ].join('\n')
}
