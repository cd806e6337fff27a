import { createServer, connect, type Server, type Socket } from 'node:net'

interface Held { at: number, chunk: Buffer }

/**
 * A TCP proxy in front of Redis that holds every chunk from client to server for `addedRttMs` before
 * forwarding it, in order: the store looks that much further away. Answers flow back at once, so the
 * whole added round trip sits on the way out. The delay can be changed between runs.
 */
export class LatencyProxy {
  addedRttMs = 0
  private readonly sockets = new Set<Socket>()
  private readonly server: Server

  constructor (private readonly target: { host: string, port: number }) {
    this.server = createServer((client) => this.pipe(client))
  }

  async listen (): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve))
    const address = this.server.address()
    return `redis://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`
  }

  private pipe (client: Socket): void {
    const upstream = connect(this.target.port, this.target.host)
    for (const socket of [client, upstream]) {
      socket.setNoDelay(true)
      this.sockets.add(socket)
      socket.on('error', close).on('close', close)
    }
    const sockets = this.sockets
    function close (): void {
      for (const socket of [client, upstream]) { socket.destroy(); sockets.delete(socket) }
    }
    upstream.on('data', (chunk) => client.write(chunk))

    // Chunks leave in arrival order, each no earlier than its arrival plus the delay.
    const queue: Held[] = []
    let timer: NodeJS.Timeout | undefined
    const release = () => {
      timer = undefined
      const now = performance.now()
      while (queue[0] !== undefined && queue[0].at <= now) upstream.write((queue.shift() as Held).chunk)
      if (queue[0] !== undefined) timer = setTimeout(release, queue[0].at - now)
    }
    client.on('data', (chunk: Buffer) => {
      if (this.addedRttMs === 0 && queue.length === 0) {
        upstream.write(chunk)
        return
      }
      queue.push({ at: performance.now() + this.addedRttMs, chunk })
      timer ??= setTimeout(release, this.addedRttMs)
    })
  }

  async close (): Promise<void> {
    for (const socket of this.sockets) socket.destroy()
    await new Promise((resolve) => this.server.close(resolve))
  }
}
