import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSignalServer } from '../signal-server/server.ts';
import { launchChromium } from '../tests/fixtures/chromium.ts';
import { introduce } from '../tests/fixtures/ui.ts';
import { fmt, summarize } from './stats.ts';
import { openTincan, tincanFirstMessage } from './tincan.ts';

// Time to first message on its own, the in-page series of `npm run bench` (bench/run.ts) without
// the baseline, the floods and the crypto section: quick to repeat while working on that path.
// `npm run bench:first-message` (BENCH_RUNS runs, 12 by default, after one warm-up).

const RUNS = Number(process.env.BENCH_RUNS ?? 12);
const DIST = fileURLToPath(new URL('../dist', import.meta.url));

async function main(): Promise<void> {
  if (!existsSync(join(DIST, 'index.html'))) throw new Error('dist/ is missing: run `npx vite build` first.');
  const server = await createSignalServer({ port: 0, host: '127.0.0.1', staticDir: DIST });
  const browsers = await Promise.all([launchChromium(), launchChromium()]);
  const log: string[] = [];
  try {
    const [alice, bob] = await Promise.all([openTincan(browsers[0], server.url, 'Alice', log), openTincan(browsers[1], server.url, 'Bob', log)]);
    await introduce(alice, bob);
    const totals: number[] = [];
    for (let i = -1; i < RUNS; i++) {
      const run = await tincanFirstMessage(alice, bob, `first message, run ${i} `.padEnd(100, 'x'), 'dom');
      if (i >= 0) totals.push(run.received - run.t0);
    }
    const s = summarize(totals);
    console.log(`first message (in page, a fresh connection each run): median ${fmt(s.median)} ms, p90 ${fmt(s.p90)} ms over ${s.runs} runs`);
    console.log(`each run: ${totals.map((t) => fmt(t)).join(' ')}`);
    if (log.length > 0) console.log(`page console: ${log.slice(0, 10).join('\n  ')}`);
  } finally {
    await Promise.all(browsers.map((b) => b.close()));
    await server.close();
  }
}

await main();
