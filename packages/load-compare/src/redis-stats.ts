import { Redis } from 'ioredis'

export interface RedisSnapshot {
  /** Commands executed so far, not counting INFO itself. */
  commands: number
  /** CPU time used so far by the Redis server, in microseconds. */
  cpuMicros: number
  /** Read events processed so far: commands / reads is the batch size clients send. */
  reads: number
}

/** A numeric field of an INFO answer (0 when absent). */
export const infoField = (info: string, name: string): number =>
  Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0)

/** Redis's CPU so far (user + system, main thread and the rest), in microseconds, from INFO cpu (or all of INFO). */
export const cpuMicrosOf = (info: string): number =>
  (infoField(info, 'used_cpu_user') + infoField(info, 'used_cpu_sys')) * 1e6

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
      return { commands, cpuMicros: cpuMicrosOf(cpu), reads: infoField(stats, 'total_reads_processed') }
    } catch {
      return undefined
    }
  }

  close (): void { this.client.disconnect() }
}
