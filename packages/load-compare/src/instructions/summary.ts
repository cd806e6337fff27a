import { median } from '../numbers.js'
import { formatTable } from '../table.js'
import type { Figure, InstructionRun } from './measure.js'

export interface FigureSummary {
  figure: Figure
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

const isBare = (figure: Figure) => figure.mode === 'ceiling'
const sameProcess = (a: Figure, b: Figure) => a.server === b.server && a.role === b.role

/** Each figure's median, spread and ratios, in the order measured. */
export function summarize (run: InstructionRun): FigureSummary[] {
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

/** The run as a terminal table: thousands of instructions per request, per round, and the two ratios. */
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
    `Instructions per request (thousands), ${requests} requests per sample at ${connections} connections after ${warmup} warm-up requests per route; ${run.node}`,
    formatTable(['server', 'route', 'event loop', 'rounds', 'spread', 'all threads', '/ own bare', '/ textbook bare'], rows),
    run.restarts > 0 ? `${run.restarts} process(es) started again: slow nextTick state after warm-up` : 'No process was in the slow nextTick state.'
  ].join('\n')
}
