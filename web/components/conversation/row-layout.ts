// Where the rows of a virtual list sit, so that only those in view are rendered. Rows have
// variable heights: a row's height is its measured one once it has been rendered, else an
// estimate (the mean of those measured so far). Positions are y offsets from the top of the first
// row. Heights are kept by row ID, so rows added above (older messages) keep theirs.

/** Where the viewport's top is: `offset` pixels below the top of row `id`. */
export interface Anchor {
  id: string;
  offset: number;
}

/** Rows [start, end) to render, with the space the rows around them take. */
export interface RowRange {
  start: number;
  end: number;
  padTop: number;
  padBottom: number;
}

/** A measurement within this of the last one changes nothing (sub-pixel layout noise). */
const HEIGHT_EPSILON = 0.5;

export class RowLayout {
  private rows: readonly { id: string }[] = [];
  /** Measured heights by row ID: they outlive changes to the rows. */
  private readonly heights = new Map<string, number>();
  private measuredSum = 0;
  /** Per row, in order: its index by ID and its measured height (NaN: not measured). */
  private indexes = new Map<string, number>();
  private rowHeights = new Float64Array(0);
  /** tops[i] is row i's top, tops[n] the total height. */
  private tops = new Float64Array(1);
  private rowsStale = false;
  private topsStale = false;

  constructor(private readonly initialEstimate: number) {}

  /** The rows in order; rows already measured keep their heights. The same array again is free. */
  setRows(rows: readonly { id: string }[]): void {
    if (rows === this.rows) return;
    this.rows = rows;
    this.rowsStale = true;
    this.topsStale = true;
  }

  /** Records a rendered row's height; returns whether anything moved. */
  measure(id: string, height: number): boolean {
    const previous = this.heights.get(id);
    if (previous !== undefined && Math.abs(previous - height) < HEIGHT_EPSILON) return false;
    this.measuredSum += height - (previous ?? 0);
    this.heights.set(id, height);
    const index = this.rowsStale ? undefined : this.indexes.get(id);
    if (index !== undefined) this.rowHeights[index] = height;
    this.topsStale = true;
    return true;
  }

  measured(id: string): boolean {
    return this.heights.has(id);
  }

  /** The height assumed for a row not measured yet. */
  get estimate(): number {
    return this.heights.size === 0 ? this.initialEstimate : this.measuredSum / this.heights.size;
  }

  get count(): number {
    return this.rows.length;
  }

  get total(): number {
    return this.current()[this.rows.length]!;
  }

  top(index: number): number {
    return this.current()[Math.max(0, Math.min(index, this.rows.length))]!;
  }

  /** The row at `y` (clamped to the rows); -1 when there are none. */
  indexAt(y: number): number {
    const tops = this.current();
    const n = this.rows.length;
    if (n === 0) return -1;
    let low = 0;
    let high = n - 1;
    // The last row whose top is at or above y.
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (tops[mid]! <= y) low = mid;
      else high = mid - 1;
    }
    return low;
  }

  /** The anchor that describes viewport top `y`, or null when there are no rows. */
  anchorAt(y: number): Anchor | null {
    const index = this.indexAt(y);
    return index < 0 ? null : { id: this.rows[index]!.id, offset: y - this.top(index) };
  }

  /** Where an anchor's viewport top is now; null when its row is no longer there. */
  yOf(anchor: Anchor): number | null {
    this.current();
    const index = this.indexes.get(anchor.id);
    return index === undefined ? null : this.top(index) + anchor.offset;
  }

  /** The rows that intersect [y - overscan, y + height + overscan). */
  range(y: number, height: number, overscan: number): RowRange {
    const n = this.rows.length;
    if (n === 0) return { start: 0, end: 0, padTop: 0, padBottom: 0 };
    const bottom = y + height + overscan;
    const start = this.indexAt(y - overscan);
    const last = this.indexAt(bottom);
    // A row that starts exactly at the bottom edge is not in the range (unless it is the only one).
    const end = last > start && this.top(last) >= bottom ? last : last + 1;
    return { start, end, padTop: this.top(start), padBottom: this.total - this.top(end) };
  }

  /** Rebuilt lazily: a burst of measurements (one per rendered row) costs one pass. */
  private current(): Float64Array {
    const n = this.rows.length;
    if (this.rowsStale) {
      this.indexes = new Map();
      this.rowHeights = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const id = this.rows[i]!.id;
        this.indexes.set(id, i);
        this.rowHeights[i] = this.heights.get(id) ?? NaN;
      }
      this.tops = new Float64Array(n + 1);
      this.rowsStale = false;
    }
    if (this.topsStale) {
      const estimate = this.estimate;
      for (let i = 0; i < n; i++) {
        const height = this.rowHeights[i]!;
        this.tops[i + 1] = this.tops[i]! + (Number.isNaN(height) ? estimate : height);
      }
      this.topsStale = false;
    }
    return this.tops;
  }
}
