import { Redis } from 'ioredis'

export interface RedisSnapshot {
  /** Commands executed so far, not counting INFO itself. */
  commands: number
  /** CPU time used so far by the Redis server, in microseconds. */
  cpuMicros: number
  /** Read events processed so far: commands / reads is the batch size clients send. */
  reads: number
}

/** Reads Redis's own counters (INFO commandstats and cpu) around a run. */
export class RedisStats {
  private readonly client: Redis
  constructor (url: string) {
    this.client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false })
    this.client.on('error', () => {})
  }

  async connect (): Promise<void> { await this.client.connect() }

  async snapshot (): Promise<RedisSnapshot | undefined> {
    try {
      const [commandStats, cpu, stats] = await Promise.all([this.client.info('commandstats'), this.client.info('cpu'), this.client.info('stats')])
      let commands = 0
      for (const match of commandStats.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
        if (match[1] !== 'info') commands += Number(match[2])
      }
      const seconds = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(cpu)?.[1] ?? 0)
      const reads = Number(/^total_reads_processed:(\d+)/m.exec(stats)?.[1] ?? 0)
      return { commands, cpuMicros: (seconds('used_cpu_user') + seconds('used_cpu_sys')) * 1e6, reads }
    } catch {
      return undefined
    }
  }

  close (): void { this.client.disconnect() }
}
