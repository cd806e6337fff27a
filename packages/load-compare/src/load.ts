import autocannon from 'autocannon'

export interface LoadOptions {
  url: string
  title: string
  method?: 'GET' | 'PATCH' | 'POST'
  body?: string
  /** Headers of every request; with several sets, the requests take them in turn (many distinct credentials). */
  headerSets: Array<Record<string, string>>
  /** Seconds. */
  duration: number
  /** Stop after this many requests instead (`duration` is then ignored). */
  amount?: number
  /** Seconds an answer may take before it counts as an error; default 5. */
  timeout?: number
  connections: number
  pipelining: number
  /** Requests per second across all connections (open loop); unset: as fast as answers come back (closed loop). */
  rate?: number
  /** Record every answer, for a timeline. */
  onAnswer?: (ok: boolean) => void
  progress?: boolean
}

export interface Latency { p50: number, p90: number, p99: number, max: number }

export interface LoadResult {
  requests: number
  seconds: number
  rps: number
  latency: Latency
  /** Connection errors and timeouts. */
  errors: number
  non2xx: number
  /** Answers by HTTP status (autocannon's runs only). */
  statusCodes?: Record<string, number>
}

/** One autocannon run, summarised in the units the report uses. */
export async function runLoad (options: LoadOptions): Promise<LoadResult> {
  const { headerSets } = options
  let turn = 0
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon({
      url: options.url,
      title: options.title,
      method: options.method ?? 'GET',
      ...(options.body === undefined ? {} : { body: options.body }),
      duration: options.duration,
      ...(options.amount === undefined ? {} : { amount: options.amount }),
      connections: options.connections,
      pipelining: options.pipelining,
      overallRate: options.rate,
      timeout: options.timeout ?? 5,
      headers: headerSets[0],
      requests: headerSets.length > 1
        ? [{ setupRequest: (request) => ({ ...request, headers: headerSets[turn++ % headerSets.length] }) }]
        : undefined
    }, (error: unknown, result) => {
      if (error === null || error === undefined) resolve(result)
      else reject(error instanceof Error ? error : new Error(String(error)))
    })
    if (options.onAnswer !== undefined) {
      const onAnswer = options.onAnswer
      instance.on('response', (_client, statusCode) => onAnswer(statusCode >= 200 && statusCode < 300))
      instance.on('reqError', () => onAnswer(false))
    }
    if (options.progress === true) {
      autocannon.track(instance, {
        renderProgressBar: true,
        renderResultsTable: false,
        renderLatencyTable: false,
        progressBarString: `  ${options.title.padEnd(44)} [:bar] :percent`
      })
    }
  })
  const requests = result['2xx'] + result.non2xx
  return {
    requests,
    seconds: result.duration,
    rps: requests / result.duration,
    latency: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
    errors: result.errors,
    non2xx: result.non2xx,
    statusCodes: Object.fromEntries(
      Object.entries(result.statusCodeStats ?? {}).map(([code, stats]) => [code, stats?.count ?? 0])
    )
  }
}
