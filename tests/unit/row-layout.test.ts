import { describe, expect, it } from 'vitest';
import { RowLayout } from '../../web/components/conversation/row-layout.ts';

// The virtual list's arithmetic: positions from measured heights and estimates, the rows to
// render for a viewport, and anchors that keep the viewport still while rows change around it.

const rows = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => ({ id: `m${from + i}` }));

describe('positions', () => {
  it('estimates rows not measured yet, first from the initial guess, then from the measured mean', () => {
    const layout = new RowLayout(50);
    layout.setRows(rows(0, 10));
    expect(layout.total).toBe(500);
    layout.measure('m0', 30);
    layout.measure('m1', 70);
    expect(layout.estimate).toBe(50);
    layout.measure('m1', 90);
    expect(layout.estimate).toBe(60);
    expect(layout.top(2)).toBe(120);
    expect(layout.total).toBe(30 + 90 + 8 * 60);
  });

  it('ignores sub-pixel noise in measurements', () => {
    const layout = new RowLayout(50);
    layout.setRows(rows(0, 3));
    expect(layout.measure('m0', 40)).toBe(true);
    expect(layout.measure('m0', 40.2)).toBe(false);
    expect(layout.measure('m0', 41)).toBe(true);
  });

  it('finds the row under a y offset, clamped to the rows', () => {
    const layout = new RowLayout(10);
    layout.setRows(rows(0, 5));
    expect(layout.indexAt(-5)).toBe(0);
    expect(layout.indexAt(0)).toBe(0);
    expect(layout.indexAt(19.9)).toBe(1);
    expect(layout.indexAt(20)).toBe(2);
    expect(layout.indexAt(1000)).toBe(4);
    layout.setRows([]);
    expect(layout.indexAt(0)).toBe(-1);
    expect(layout.anchorAt(0)).toBeNull();
  });
});

describe('the rendered range', () => {
  const layout = new RowLayout(20);
  layout.setRows(rows(0, 100_000));

  it('holds the rows in view plus the overscan, with the rest as padding', () => {
    const range = layout.range(10_000, 200, 100);
    expect(range).toEqual({ start: 495, end: 515, padTop: 9900, padBottom: 20 * (100_000 - 515) });
  });

  it('at the bottom ends with the last row and no padding below', () => {
    const range = layout.range(layout.total - 300, 300, 100);
    expect(range.end).toBe(100_000);
    expect(range.padBottom).toBe(0);
    expect(range.end - range.start).toBe(20); // 300 px in view and 100 above: nothing is below
  });

  it('at the top starts with the first row', () => {
    expect(layout.range(0, 300, 100)).toMatchObject({ start: 0, end: 20, padTop: 0 });
  });

  it('is empty without rows', () => {
    const empty = new RowLayout(20);
    expect(empty.range(0, 300, 100)).toEqual({ start: 0, end: 0, padTop: 0, padBottom: 0 });
  });
});

describe('anchors', () => {
  it('keep the viewport on the same row when older rows are added above', () => {
    const layout = new RowLayout(40);
    const newest = rows(100, 200);
    layout.setRows(newest);
    for (const row of newest) layout.measure(row.id, 40);
    const anchor = layout.anchorAt(130)!;
    expect(anchor).toEqual({ id: 'm103', offset: 10 });
    layout.setRows([...rows(0, 100), ...newest]);
    expect(layout.yOf(anchor)).toBe(100 * 40 + 130);
  });

  it('keep the viewport on the same row when a row above changes height', () => {
    const layout = new RowLayout(40);
    layout.setRows(rows(0, 50));
    for (let i = 0; i < 50; i++) layout.measure(`m${i}`, 40);
    const anchor = layout.anchorAt(1010)!;
    expect(anchor).toEqual({ id: 'm25', offset: 10 });
    layout.measure('m4', 100);
    expect(layout.yOf(anchor)).toBe(1010 + 60);
  });

  it('follow the estimate: rows not measured yet move when the measured mean changes', () => {
    const layout = new RowLayout(40);
    layout.setRows(rows(0, 50));
    const anchor = layout.anchorAt(1010)!;
    layout.measure('m40', 100); // below the anchor, but the 25 rows above are estimated at 100 now
    expect(layout.yOf(anchor)).toBe(25 * 100 + 10);
  });

  it('are lost with their row', () => {
    const layout = new RowLayout(40);
    layout.setRows(rows(0, 10));
    const anchor = layout.anchorAt(100)!;
    layout.setRows(rows(5, 10));
    expect(layout.yOf(anchor)).toBeNull();
  });

  it('keep measured heights for rows that come back', () => {
    const layout = new RowLayout(40);
    layout.setRows(rows(0, 3));
    layout.measure('m1', 90);
    layout.setRows(rows(3, 6));
    layout.setRows(rows(0, 3));
    expect(layout.top(2) - layout.top(1)).toBe(90);
  });
});
