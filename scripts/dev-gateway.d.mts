import type { Server } from 'node:http'

export function startGateway (options: { port: number, host?: string, auth: string, profile: string }): Promise<Server>
