/** `value` to `digits` decimals, as a number (for the JSON). */
export const round = (value: number, digits = 2): number => Number(value.toFixed(digits))

/** The middle value; the mean of the two middle ones for an even count. */
export function median (values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  const at = (i: number) => sorted[i] as number
  return sorted.length % 2 === 1 ? at(middle) : (at(middle - 1) + at(middle)) / 2
}
