import { appendFileSync } from 'node:fs';

// Each NAT case appends what it measured here; `npm run bench:nat-table` turns the runs into the
// README's table (medians). Measured figures are recorded, never asserted: timing belongs in a
// benchmark, and a slow CI machine must not fail the matrix.

export const TIMINGS_FILE = process.env.NAT_TIMINGS_FILE ?? '.nat-timings.jsonl';

export interface NatTiming {
  case: string;
  path: string;
  /** Enter pressed → text shown in the recipient's conversation. */
  messageMs: number;
  /** Chat opened → the sender's path status shows the final path; null where that means nothing. */
  pathMs: number | null;
}

export function recordTiming(name: string, path: string, timing: { messageMs: number; pathMs: number | null }): void {
  const entry: NatTiming = { case: name, path, ...timing };
  appendFileSync(TIMINGS_FILE, `${JSON.stringify(entry)}\n`);
}
