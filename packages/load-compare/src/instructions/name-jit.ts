// `node --import tsx name-jit.ts PERF_MAP < annotate.txt`: callgrind_annotate's output with the JIT-compiled
// functions named. Callgrind knows V8's generated code only by address (`???:0x…`); a process started with
// `--perf-basic-prof` (`pnpm bench --instructions --perf-map`) lists each one's address, size and name.
import { readFileSync } from 'node:fs'
import { createInterface } from 'node:readline'

interface Entry { start: bigint, end: bigint, name: string }

const [mapFile] = process.argv.slice(2)
if (mapFile === undefined) throw new Error('usage: name-jit.ts /tmp/perf-<pid>.map < annotate-output')
// Later entries win: V8 reuses addresses once code is collected.
const entries: Entry[] = readFileSync(mapFile, 'utf8').split('\n').flatMap((line) => {
  const match = /^([0-9a-f]+) ([0-9a-f]+) (.*)$/.exec(line)
  if (match === null) return []
  const start = BigInt(`0x${match[1] as string}`)
  return [{ start, end: start + BigInt(`0x${match[2] as string}`), name: match[3] as string }]
}).reverse()

const nameOf = (address: bigint) => entries.find((entry) => address >= entry.start && address < entry.end)?.name

for await (const line of createInterface({ input: process.stdin })) {
  console.log(line.replace(/\?\?\?:0x([0-9a-f]+) \[\?\?\?\]/g, (whole, hex: string) => {
    const name = nameOf(BigInt(`0x${hex}`))
    return name === undefined ? whole : `[jit] ${name}`
  }))
}
