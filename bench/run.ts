import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { createSignalServer } from '../signal-server/server.ts';
import { launchChromium } from '../tests/fixtures/chromium.ts';
import { introduce } from '../tests/fixtures/ui.ts';
import { baselineFirstMessage, baselineFlood, installBaselinePeer, startRelay, type BaselinePair } from './baseline.ts';
import { benchCryptoChannel, cryptoChannelFigures, cryptoChannelOptions, reportCryptoChannel, type CryptoChannelResult } from './crypto-channel.ts';
import { benchHistory, historyFigure, historyOptions, reportHistory, type HistoryResult } from './history.ts';
import { benchMailbox, mailboxFigures, mailboxRates, type MailboxBenchResult } from './mailbox.ts';
import { fmt, medianOf, summarize, table, type Summary } from './stats.ts';
import { NAME_SHIM, openTincan, tincanFirstMessage, tincanFlood, type Driver, type FloodResult } from './tincan.ts';
import { clearTimeline, installTimeline, phases, PHASES, readTimeline, setTimelineRecording, type RunTrace } from './timeline.ts';

// Tincan's benchmark: time to a first message over a new WebRTC connection, and messages per
// second over an open one, each next to a plain RTCDataChannel between the same two browsers;
// then the server's mailbox and relay on their own (bench/mailbox.ts), and end-to-end encryption
// against plaintext over one data channel (bench/crypto-channel.ts), and a conversation of
// 100 000 messages opened and scrolled (bench/history.ts).
// `npm run bench` builds the app first; this file expects dist/ to be there.

const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const WARMUP_RUNS = 1;
const TINCAN_FLOOD = 500;
const BASELINE_FLOOD = 5000;
/** Characters per message, Tincan's and the baseline's flood alike. */
const TEXT_SIZE = 100;
/** Sealed frames carry two peer IDs, a message ID, a nonce and a MAC: well over this on top of the text. */
const tincanMessageFrame = (size: number): boolean => size >= TEXT_SIZE + 150;

const DIST = fileURLToPath(new URL('../dist', import.meta.url));

const TARGET_RATIO = 1.5;
const TARGET_P90_MS = 1000;

const textOf = (label: string): string => `${label} `.padEnd(TEXT_SIZE, 'x');

async function baselinePage(browser: Browser, relayUrl: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.evaluate(NAME_SHIM);
  await page.evaluate(installTimeline);
  await page.evaluate(installBaselinePeer, relayUrl);
  return page;
}

/** One way of getting a first message across, run after run. */
interface Series {
  label: string;
  traces: RunTrace[];
  /** Totals of the warm-up runs, shown but not counted. */
  warmup: number[];
}

const totals = (series: Series): number[] => series.traces.map((t) => t.received - t.t0);

/** A progress line, rewritten in place on a terminal; elsewhere only the finished line is printed. */
const progress = (series: Series, finished = false): void => {
  const done = totals(series);
  const line = `${series.label}: ${done.length}/${RUNS} runs, last ${fmt(done.at(-1) ?? series.warmup.at(-1))} ms`;
  if (process.stdout.isTTY) process.stdout.write(`\r${line}   ${finished ? '\n' : ''}`);
  else if (finished) console.log(line);
};

async function main(): Promise<void> {
  if (!existsSync(join(DIST, 'index.html'))) throw new Error('dist/ is missing: run `npx vite build` first (npm run bench does).');
  const started = Date.now();
  const log: string[] = [];
  const server = await createSignalServer({ port: 0, host: '127.0.0.1', staticDir: DIST });
  const relay = await startRelay();
  const browsers: Browser[] = [];
  try {
    browsers.push(...(await Promise.all([launchChromium(), launchChromium()])));
    const [aliceBrowser, bobBrowser] = browsers as [Browser, Browser];
    const [alice, bob] = await Promise.all([openTincan(aliceBrowser, server.url, 'Alice', log), openTincan(bobBrowser, server.url, 'Bob', log)]);
    await introduce(alice, bob);
    console.log(`Tincan at ${server.url}; Chromium ${aliceBrowser.version()}, two processes; ${RUNS} runs each (+${WARMUP_RUNS} warm-up).`);

    // 1. Time to first message, Tincan: driven by Playwright, then with the same steps taken inside
    //    the page. The targets apply to the in-page series: the baseline is also started by one
    //    page.evaluate, while Playwright's click/fill/press round trips alone take ~100 ms.
    const connectionProblems: string[] = [];
    const tincanSeries = async (label: string, driver: Driver): Promise<Series> => {
      const series: Series = { label, traces: [], warmup: [] };
      for (let i = -WARMUP_RUNS; i < RUNS; i++) {
        const run = await tincanFirstMessage(alice, bob, textOf(`first message, ${driver}, run ${i}`), driver);
        if (run.connections[0] !== 1 || run.connections[1] !== 1) connectionProblems.push(`${driver} run ${i}: ${run.connections.join('/')}`);
        if (i < 0) series.warmup.push(run.received - run.t0);
        else series.traces.push({ ...run, isMessage: tincanMessageFrame });
        progress(series);
      }
      progress(series, true);
      return series;
    };
    const tincan = await tincanSeries('Tincan, Playwright clicks and types', 'playwright');
    const inPage = await tincanSeries('Tincan, same steps from inside the page', 'dom');

    // 2. Time to first message, baseline, in separate pages of the same two browsers.
    const pair: BaselinePair = {
      sender: await baselinePage(aliceBrowser, relay.url),
      receiver: await baselinePage(bobBrowser, relay.url),
    };
    const baseline: Series = { label: 'baseline, plain RTCPeerConnection + relay', traces: [], warmup: [] };
    for (let i = -WARMUP_RUNS; i < RUNS; i++) {
      await Promise.all([pair.sender, pair.receiver].map((page) => clearTimeline(page)));
      const { t0, received } = await baselineFirstMessage(pair, i + WARMUP_RUNS);
      if (i < 0) {
        baseline.warmup.push(received - t0);
      } else {
        const [sender, receiver] = await Promise.all([readTimeline(pair.sender), readTimeline(pair.receiver)]);
        baseline.traces.push({ t0, received, sender, receiver, isMessage: () => true });
      }
      progress(baseline);
    }
    progress(baseline, true);

    // 3. Messages per second: Tincan through the UI (the channel of the last run is open and both
    //    view the conversation), then a raw data channel.
    await Promise.all([setTimelineRecording(alice.page, false), setTimelineRecording(bob.page, false)]);
    await Promise.all([setTimelineRecording(pair.sender, false), setTimelineRecording(pair.receiver, false)]);
    console.log(`flood, Tincan: ${TINCAN_FLOOD} messages through Alice's composer…`);
    const flood = await tincanFlood(alice, bob, TINCAN_FLOOD, TEXT_SIZE, 120_000);
    console.log(`flood, baseline: ${BASELINE_FLOOD} messages over a raw RTCDataChannel…`);
    const raw = await baselineFlood(pair, 1000, BASELINE_FLOOD, textOf('flood'));

    // 4. The server's delivery path, on a server of its own with real ws clients.
    console.log('server mailbox and relay: blobs through a fresh server with a SQLite file…');
    const mailbox = await benchMailbox();

    // 5. The crypto on its own: the same frames over one data channel, sealed and in plaintext.
    console.log('crypto channel: encrypted and plaintext frames over one data channel…');
    const crypto = await benchCryptoChannel([aliceBrowser, bobBrowser], cryptoChannelOptions(), log);

    // 6. A long conversation, in a context of its own: written into IndexedDB, opened, scrolled.
    console.log('long conversation: messages written into IndexedDB, then opened and scrolled up…');
    const history = await benchHistory(server.url, aliceBrowser, historyOptions(), log);

    report({ tincan, inPage, baseline, flood, raw, mailbox, crypto, history, connectionProblems });
    if (log.length > 0) {
      console.log(`\nPage console (errors and warnings, ${log.length}):`);
      for (const line of log.slice(0, 20)) console.log(`  ${line}`);
    }
    console.log(`\nTotal benchmark time: ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    await Promise.all(browsers.map((b) => b.close()));
    await Promise.all([server.close(), relay.close()]);
  }
}

interface Results {
  tincan: Series;
  inPage: Series;
  baseline: Series;
  flood: FloodResult;
  raw: { ms: number };
  mailbox: MailboxBenchResult;
  crypto: CryptoChannelResult;
  history: HistoryResult;
  connectionProblems: string[];
}

const pass = (ok: boolean): string => (ok ? 'PASS' : 'FAIL');
const perSecond = (n: number, ms: number | null): number | null => (ms === null || ms <= 0 ? null : (n * 1000) / ms);

function report(r: Results): void {
  const all = [r.tincan, r.inPage, r.baseline];
  const [tincan, inPage, baseline] = all.map((series) => summarize(totals(series))) as [Summary, Summary, Summary];
  const ratio = tincan.median / baseline.median;
  const inPageRatio = inPage.median / baseline.median;

  console.log('\n== Time to first message, ms (a new connection every run) ==');
  console.log(
    table(
      ['', 'runs', 'median', 'p90', 'min', 'max', 'warm-up'],
      all.map((series, i) => {
        const s = [tincan, inPage, baseline][i]!;
        return [series.label, String(s.runs), fmt(s.median), fmt(s.p90), fmt(s.min), fmt(s.max), series.warmup.map((w) => fmt(w)).join(' ')];
      }),
    ),
  );
  console.log('Tincan: t0 right before the click on the contact → the receiver\'s contact shows "1 unread" (received, decrypted, committed).');
  console.log('baseline: t0 right before the sender page is told to connect → "hi" arrives on the receiver\'s channel.');
  for (const series of all) console.log(`  ${series.label}, each run: ${totals(series).map((v) => fmt(v)).join(' ')}`);
  if (r.connectionProblems.length > 0) console.log(`Runs without exactly one new connection per side: ${r.connectionProblems.join('; ')}`);
  console.log(`ratio Tincan median / baseline median = ${inPageRatio.toFixed(2)} (driven by Playwright: ${ratio.toFixed(2)})`);
  console.log(`target (in-page series, like for like with the baseline):`);
  console.log(`target: Tincan median ≤ ${TARGET_RATIO} × baseline median (${fmt(TARGET_RATIO * baseline.median)} ms): ${pass(inPageRatio <= TARGET_RATIO)}`);
  console.log(`target: Tincan p90 < ${TARGET_P90_MS} ms: ${pass(inPage.p90 < TARGET_P90_MS)} (driven by Playwright: ${pass(tincan.p90 < TARGET_P90_MS)})`);

  console.log('\n== Where the time goes: median ms per step of the data channel set-up ==');
  console.log('(Tincan\'s first message goes by the server relay when no channel is open yet, so its message steps stay empty.)');
  const split = all.map((series) => series.traces.map(phases));
  const median = (values: (number | null)[]) => {
    const known = values.filter((v): v is number => v !== null);
    return known.length === 0 ? '—' : fmt(medianOf(known));
  };
  console.log(
    table(
      ['step', 'Tincan', 'in page', 'baseline'],
      [
        ...PHASES.map((name, i) => [name, ...split.map((runs) => median(runs.map((p) => p.steps[i] ?? null)))]),
        ['(t0 → the sender page sees the click)', ...split.slice(0, 2).map((runs) => median(runs.map((p) => p.click))), '—'],
        ['(t0 → the sender page sees Enter)', median(split[0]!.map((p) => p.enter)), '—', '—'],
        ['(t0 → the direct data channel is open)', ...split.map((runs) => median(runs.map((p) => p.channelOpen)))],
      ],
    ),
  );

  const f = r.flood;
  const receivedRate = perSecond(f.n, f.receivedMs);
  const deliveredRate = perSecond(f.n, f.deliveredMs);
  const rawRate = perSecond(BASELINE_FLOOD, r.raw.ms);
  const rate = (value: number | null, done: number, n: number) => (value === null ? `timed out (${done}/${n})` : fmt(value, 0));
  const sealed = r.tincan.traces[0]?.sender.find((e) => e[0] === 'dc-send' && e[2] !== undefined && tincanMessageFrame(e[2]))?.[2];
  console.log(`\n== Messages per second over an open channel (${TEXT_SIZE}-character messages) ==`);
  if (sealed) console.log(`(Tincan puts each on the channel as a ${sealed}-byte sealed frame; the baseline sends the ${TEXT_SIZE} characters as they are.)`);
  console.log(
    table(
      ['', 'messages', 'ms', 'msg/s'],
      [
        ['Tincan: composer → all in the receiver\'s Messages list', String(f.n), fmt(f.receivedMs), rate(receivedRate, f.received, f.n)],
        ['Tincan: composer → the sender sees all Delivered', String(f.n), fmt(f.deliveredMs), rate(deliveredRate, f.delivered, f.n)],
        ['(Tincan: the composer took all of them)', String(f.n), fmt(f.submitMs), fmt(perSecond(f.n, f.submitMs), 0)],
        ['baseline: raw RTCDataChannel', String(BASELINE_FLOOD), fmt(r.raw.ms), fmt(rawRate, 0)],
      ],
    ),
  );

  const m = r.mailbox;
  const rates = mailboxRates(m);
  console.log(`\n== Server mailbox and relay (${m.blobs} blobs of ${m.blobBytes} bytes, one sender, one recipient) ==`);
  console.log(
    table(
      ['', 'blobs', 'ms', 'blobs/s'],
      [
        [`mailbox: sends to an offline recipient → all accepted (committed; ${m.sendWindow} in flight)`, String(m.blobs), fmt(m.acceptedMs), fmt(rates.accepted, 0)],
        [`mailbox: the recipient connects → all delivered and acked (window ${m.deliveryWindow})`, String(m.blobs), fmt(m.deliveredMs), fmt(rates.delivered, 0)],
        [`relay: both online → the recipient has all (${m.sendWindow} in flight)`, String(m.blobs), fmt(m.relayMs), fmt(rates.relay, 0)],
      ],
    ),
  );

  reportCryptoChannel(r.crypto);
  reportHistory(r.history);

  console.log('\n== Figures ==');
  console.log(
    `first-message tincan median=${fmt(inPage.median)}ms p90=${fmt(inPage.p90)}ms | baseline median=${fmt(baseline.median)}ms p90=${fmt(baseline.p90)}ms | ratio=${inPageRatio.toFixed(2)} (${RUNS} runs each)`,
  );
  console.log(`first-message tincan-playwright median=${fmt(tincan.median)}ms p90=${fmt(tincan.p90)}ms | ratio=${ratio.toFixed(2)} (includes the driver's round trips)`);
  console.log(`targets median<=${TARGET_RATIO}x baseline: ${pass(inPageRatio <= TARGET_RATIO)} | p90<${TARGET_P90_MS}ms: ${pass(inPage.p90 < TARGET_P90_MS)}`);
  console.log(
    `throughput tincan ui->receiver=${rate(receivedRate, f.received, f.n)} msg/s ui->delivered=${rate(deliveredRate, f.delivered, f.n)} msg/s (${f.n} msgs) | baseline raw datachannel=${fmt(rawRate, 0)} msg/s (${BASELINE_FLOOD} msgs, ${TEXT_SIZE} chars each)`,
  );
  console.log(`${mailboxFigures(m)} (${m.blobs} blobs of ${m.blobBytes} bytes)`);
  for (const line of cryptoChannelFigures(r.crypto)) console.log(line);
  console.log(historyFigure(r.history));
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error('\nbenchmark failed:', error);
    process.exit(1);
  },
);
