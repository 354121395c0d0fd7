import { readFileSync } from 'node:fs';
import { medianOf } from './stats.ts';
import { TIMINGS_FILE, type NatTiming } from '../tests/nat/timings.ts';

// The README's NAT table: the median of every run of the NAT test bed recorded in the timings
// file (`npm run test:nat` appends one line per case and run). Usage: npm run bench:nat-table

const entries = readFileSync(TIMINGS_FILE, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line) as NatTiming);
const cases = new Map<string, NatTiming[]>();
for (const entry of entries) cases.set(entry.case, [...(cases.get(entry.case) ?? []), entry]);

console.log('| NAT case | Path chosen | Time to first message (median) | Time until the path is up (median) | Runs |');
console.log('| --- | --- | --- | --- | --- |');
for (const [name, runs] of [...cases].sort(([a], [b]) => a.localeCompare(b))) {
  const message = Math.round(medianOf(runs.map((r) => r.messageMs)));
  const pathTimes = runs.map((r) => r.pathMs).filter((ms): ms is number => ms !== null);
  const path = pathTimes.length > 0 ? `${Math.round(medianOf(pathTimes))} ms` : '—';
  console.log(`| ${name} | ${runs[0]!.path} | ${message} ms | ${path} | ${runs.length} |`);
}
