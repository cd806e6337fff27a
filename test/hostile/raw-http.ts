import { connect } from 'node:net'

export interface RawAnswer {
  status: number
  headers: Record<string, string>
  body: Buffer
}

/**
 * One request as raw bytes on its own connection (Connection: close), so that nothing client-side cleans it up first.
 */
export async function sendRaw (port: number, request: Buffer, timeoutMs = 10_000): Promise<RawAnswer | null> {
  return await new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    const timer = setTimeout(() => { socket.destroy(); reject(new Error(`no answer within ${timeoutMs} ms`)) }, timeoutMs)
    socket.on('data', (chunk) => chunks.push(chunk))
    socket.on('error', () => {}) // a reset after the answer was written is fine; no answer is reported below
    socket.on('close', () => {
      clearTimeout(timer)
      resolve(parse(Buffer.concat(chunks)))
    })
    // Written, not ended: a real client keeps its side open for the answer. A request the server is
    // still waiting on (an incomplete body) is ended after a while, which the server must answer too.
    socket.write(request)
    const patience = setTimeout(() => socket.end(), 2000)
    socket.on('close', () => clearTimeout(patience))
  })
}

function parse (data: Buffer): RawAnswer | null {
  const end = data.indexOf('\r\n\r\n')
  if (end === -1) return null
  const [statusLine = '', ...lines] = data.subarray(0, end).toString('latin1').split('\r\n')
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0)
  const headers: Record<string, string> = {}
  for (const line of lines) {
    const colon = line.indexOf(':')
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  let body = data.subarray(end + 4)
  const length = headers['content-length']
  if (length !== undefined) body = body.subarray(0, Number(length))
  else if (headers['transfer-encoding'] === 'chunked') body = unchunk(body)
  return { status, headers, body }
}

function unchunk (data: Buffer): Buffer {
  const parts: Buffer[] = []
  let at = 0
  while (at < data.length) {
    const lineEnd = data.indexOf('\r\n', at)
    const size = parseInt(data.subarray(at, lineEnd).toString(), 16)
    if (!(size > 0)) break
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size))
    at = lineEnd + 2 + size + 2
  }
  return Buffer.concat(parts)
}
