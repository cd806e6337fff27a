/** `value` to `digits` decimals, as a number (for the JSON). */
export const round = (value: number, digits = 2): number => Number(value.toFixed(digits))

/** The middle value; the mean of the two middle ones for an even count. */
export function median (values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  const at = (i: number) => sorted[i] as number
  return sorted.length % 2 === 1 ? at(middle) : (at(middle - 1) + at(middle)) / 2
}

/** Three significant figures: what a rate measured on a noisy machine supports. */
export function significant (value: number): string {
  if (value === 0) return '0'
  const digits = Math.max(0, 3 - Math.floor(Math.log10(Math.abs(value))) - 1)
  const rounded = Number(value.toPrecision(3))
  return digits > 0 ? rounded.toFixed(digits) : rounded.toLocaleString('en-US')
}

/**
 * CPU µs per request to the precision its rounds support: to 0.1 µs only when the rounds of `--repeat` agreed
 * within 1 µs; whole µs otherwise, and for a single round, whose spread is unknown.
 */
export function micros (value: number, rounds?: { min: number, max: number }): string {
  return value.toFixed(rounds !== undefined && rounds.max - rounds.min < 1 ? 1 : 0)
}
