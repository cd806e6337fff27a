/** A plain-text table with aligned columns (numbers right-aligned), for terminals and READMEs alike. */
export function formatTable (header: string[], rows: string[][]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)))
  const numeric = (text: string) => /^[\d,.×≥ -]+$/.test(text)
  const line = (cells: string[]) => cells.map((cell, column) =>
    numeric(cell) ? cell.padStart(widths[column] as number) : cell.padEnd(widths[column] as number)).join('  ').trimEnd()
  return [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line)].join('\n')
}
