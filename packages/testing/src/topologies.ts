import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { freePort, OwnRedis } from './index.js'

const cli = (port: number, ...args: string[]): string =>
  spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { encoding: 'utf8' }).stdout.trim()

async function until (check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`)
    await sleep(100)
  }
}

/** A real Redis Cluster of three primaries (no replicas) on loopback, from redis-server processes. */
export class OwnRedisCluster {
  private constructor (readonly nodes: OwnRedis[]) {}

  static async start (): Promise<OwnRedisCluster> {
    const nodes = await Promise.all([0, 1, 2].map(async () => await OwnRedis.start({
      extraArgs: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000']
    })))
    const cluster = new OwnRedisCluster(nodes)
    const created = spawnSync('redis-cli', ['--cluster', 'create', ...cluster.addresses, '--cluster-replicas', '0', '--cluster-yes'], { encoding: 'utf8' })
    if (created.status !== 0) throw new Error(`redis-cli --cluster create: ${created.stdout}${created.stderr}`)
    await until(() => nodes.every((node) => cli(node.port, 'cluster', 'info').includes('cluster_state:ok')), 'cluster state ok')
    return cluster
  }

  get addresses (): string[] { return this.nodes.map((node) => `127.0.0.1:${node.port}`) }
  /** The value of REDIS_CLUSTER_NODES. */
  get nodeList (): string { return this.addresses.join(',') }

  async stop (): Promise<void> { await Promise.all(this.nodes.map(async (node) => { await node.stop() })) }
}

/**
 * A master, a replica and three Sentinels (quorum 2) on loopback. `failover()` makes the Sentinels
 * promote the replica, as when the master's host is lost.
 */
export class OwnSentinelGroup {
  private readonly sentinels: ChildProcess[] = []
  readonly sentinelPorts: number[] = []
  private constructor (readonly master: OwnRedis, readonly replica: OwnRedis, readonly name: string) {}

  static async start (name = 'mymaster'): Promise<OwnSentinelGroup> {
    const master = await OwnRedis.start()
    const replica = await OwnRedis.start({ extraArgs: ['--replicaof', '127.0.0.1', String(master.port)] })
    await until(() => cli(replica.port, 'info', 'replication').includes('master_link_status:up'), 'replica in sync')
    const group = new OwnSentinelGroup(master, replica, name)
    for (let i = 0; i < 3; i++) {
      const port = await freePort()
      const config = join(master.dir, `sentinel-${port}.conf`)
      writeFileSync(config, [
        `port ${port}`, 'bind 127.0.0.1', `dir ${master.dir}`,
        `sentinel monitor ${name} 127.0.0.1 ${master.port} 2`,
        `sentinel down-after-milliseconds ${name} 1000`,
        `sentinel failover-timeout ${name} 5000`
      ].join('\n') + '\n')
      group.sentinels.push(spawn('redis-server', [config, '--sentinel'], { stdio: 'ignore' }))
      group.sentinelPorts.push(port)
    }
    await until(() => group.sentinelPorts.every((port) => cli(port, 'sentinel', 'ckquorum', name).startsWith('OK')), 'sentinel quorum')
    return group
  }

  /** The value of REDIS_SENTINELS. */
  get sentinelList (): string { return this.sentinelPorts.map((port) => `127.0.0.1:${port}`).join(',') }

  masterPort (): number {
    return Number(cli(this.sentinelPorts[0] as number, 'sentinel', 'get-master-addr-by-name', this.name).split('\n')[1])
  }

  /** Promotes the replica and waits until every Sentinel names it master. */
  async failover (): Promise<void> {
    const before = this.masterPort()
    cli(this.sentinelPorts[0] as number, 'sentinel', 'failover', this.name)
    await until(() => this.sentinelPorts.every((port) => Number(cli(port, 'sentinel', 'get-master-addr-by-name', this.name).split('\n')[1]) !== before), 'failover')
  }

  async stop (): Promise<void> {
    for (const sentinel of this.sentinels) sentinel.kill('SIGKILL')
    await this.replica.stop()
    await this.master.stop()
  }
}
