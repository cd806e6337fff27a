import { createServer, connect, type Server, type Socket } from 'node:net'

/**
 * What the network does to one proxied connection, after Toxiproxy's toxics:
 * - `silent`: bytes are swallowed both ways and the client's socket stays open, so the client sees no
 *   error, ever (a NAT or load balancer that forgot the flow, a half-open TCP connection). With
 *   `serverSide: 'closed'` the server's side is closed, as when the server noticed and dropped the client
 *   (Redis then forgets its subscriptions and its tracking table); with `'open'` the server keeps it.
 * - `reset`: both sockets are destroyed at once (`reset_peer`).
 * - `delay`: every chunk, both ways, is held this long before it is forwarded, in order (`latency`).
 */
export type Fault =
  | { kind: 'silent', serverSide?: 'open' | 'closed' }
  | { kind: 'reset' }
  | { kind: 'delay', ms: number }

/** One client connection through the proxy. */
export interface ProxiedConnection {
  /** The name the client gave itself with `CLIENT SETNAME` (ioredis' `connectionName`), once seen. */
  readonly name: string | undefined
  /** Whether the client's socket is still open (a silent connection stays open). */
  readonly open: boolean
  apply: (fault: Fault) => void
}

// ioredis names a connection as it opens: CLIENT SETNAME <name>, as a RESP array of bulk strings.
const SETNAME = /\$6\r\nclient\r\n\$7\r\nsetname\r\n\$\d+\r\n([^\r]*)\r\n/i

class Connection implements ProxiedConnection {
  name: string | undefined
  open = true
  private fault: Fault | undefined
  private sniffed = ''

  constructor (private readonly client: Socket, private readonly server: Socket, private readonly onClose: () => void) {
    for (const socket of [client, server]) {
      socket.setNoDelay(true)
      socket.on('error', () => {})
    }
    client.on('close', () => { this.close() })
    // A silent connection's server side may close without the client learning of it.
    server.on('close', () => { if (this.fault?.kind !== 'silent') this.close() })
    client.on('data', (chunk: Buffer) => {
      if (this.name === undefined && this.sniffed.length < 4096) {
        this.sniffed += chunk.toString('latin1')
        this.name = SETNAME.exec(this.sniffed)?.[1]
      }
      this.forward(chunk, server)
    })
    server.on('data', (chunk: Buffer) => { this.forward(chunk, client) })
  }

  apply (fault: Fault): void {
    this.fault = fault
    if (fault.kind === 'reset') {
      this.client.resetAndDestroy()
      this.server.destroy()
    } else if (fault.kind === 'silent' && fault.serverSide === 'closed') {
      this.server.destroy()
    }
  }

  private forward (chunk: Buffer, to: Socket): void {
    const fault = this.fault
    if (fault === undefined) to.write(chunk)
    else if (fault.kind === 'delay') setTimeout(() => { if (!to.destroyed) to.write(chunk) }, fault.ms)
    // silent: swallowed; reset: the sockets are gone
  }

  close (): void {
    if (!this.open) return
    this.open = false
    this.client.destroy()
    this.server.destroy()
    this.onClose()
  }
}

/**
 * A TCP proxy in front of Redis whose connections can each be made to misbehave the way real networks
 * do and loopback never does, while the others stay healthy. Connections made after a fault are healthy
 * (the network dropped one flow, not the route) unless new connections are refused.
 */
export class FaultProxy {
  private readonly live = new Set<Connection>()
  private readonly server: Server
  private refusing = false

  constructor (private readonly target: { host: string, port: number }) {
    this.server = createServer((client) => {
      if (this.refusing) {
        client.resetAndDestroy()
        return
      }
      const connection: Connection = new Connection(client, connect(this.target.port, this.target.host),
        () => this.live.delete(connection))
      this.live.add(connection)
    })
  }

  /** Starts listening on a free loopback port; the answer is the `redis://` URL to give the client. */
  async listen (): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve))
    const address = this.server.address()
    return `redis://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`
  }

  /** The open connections, oldest first. */
  connections (): ProxiedConnection[] {
    return [...this.live].filter((connection) => connection.open)
  }

  /**
   * Applies `fault` to every open connection whose name matches (all of them without `name`), and
   * answers how many it hit, so a test can assert that it cut what it meant to.
   */
  apply (fault: Fault, name?: string | RegExp): number {
    const hit = this.connections().filter((connection) => name === undefined ||
      (typeof name === 'string' ? connection.name === name : name.test(connection.name ?? '')))
    for (const connection of hit) connection.apply(fault)
    return hit.length
  }

  /** While true, new connections are reset as they arrive (the route is down). */
  refuseNew (refusing: boolean): void { this.refusing = refusing }

  async close (): Promise<void> {
    for (const connection of this.live) connection.close()
    await new Promise((resolve) => this.server.close(resolve))
  }
}
