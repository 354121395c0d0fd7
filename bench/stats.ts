// Summary statistics and number formatting for the benchmark tables.

export interface Summary {
  runs: number;
  median: number;
  p90: number;
  min: number;
  max: number;
}

/** Median (mean of the middle two for an even count) and nearest-rank p90. */
export function summarize(values: number[]): Summary {
  if (values.length === 0) return { runs: 0, median: NaN, p90: NaN, min: NaN, max: NaN };
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  const median = sorted.length % 2 === 1 ? sorted[Math.floor(mid)]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  const p90 = sorted[Math.max(0, Math.ceil(0.9 * sorted.length) - 1)]!;
  return { runs: sorted.length, median, p90, min: sorted[0]!, max: sorted[sorted.length - 1]! };
}

export const medianOf = (values: number[]): number => summarize(values).median;

/** A number for a table cell: integers as they are, others with one decimal. */
export const fmt = (value: number | null | undefined, digits = 1): string =>
  value === null || value === undefined || Number.isNaN(value) ? '—' : Number.isInteger(value) ? String(value) : value.toFixed(digits);

export const pad = (text: string, width: number): string => (text.length >= width ? text : text + ' '.repeat(width - text.length));
export const padLeft = (text: string, width: number): string => (text.length >= width ? text : ' '.repeat(width - text.length) + text);

/** Rows of cells as an aligned text table: the first column left-aligned, the rest right-aligned. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? pad(c, widths[i]!) : padLeft(c, widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
