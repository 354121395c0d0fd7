import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expect } from '@playwright/test';
import type { Browser, Page } from 'playwright-core';
import { createSignalServer } from '../signal-server/server.ts';
import { launchChromium } from '../tests/fixtures/chromium.ts';
import { historyText, makeHistory, storedIds, writeHistory } from '../tests/fixtures/history.ts';
import type { Person } from '../tests/fixtures/tincan.ts';
import { addContact, createIdentity, inviteLinkOf } from '../tests/fixtures/ui.ts';
import { fmt, summarize, table, type Summary } from './stats.ts';
import { benchPage } from './tincan.ts';

// A long conversation (issue 6: "a conversation of 100 000 messages opens in under 100 ms"). In a
// headless Chromium, with the built app served by the real server: an identity made through the
// UI, a contact added by invite link, then 100 000 messages written into IndexedDB as the product
// stores them (tests/fixtures/history.ts). Then, after reloads, the time from clicking the
// contact to the newest message painted, and the time per older page while scrolling up.
// Timestamps come from the page (performance.now), taken by a MutationObserver that sees the
// newest message's item, then requestAnimationFrame and a message posted from it, which runs
// once that frame has been painted.
//
// `npm run bench:history` builds the app and runs this alone; `npm run bench` runs it as a section.

export const HISTORY_TARGET_OPEN_MS = 100;

export interface HistoryOptions {
  messages: number;
  /** Opens measured, each after a reload (one more first, as a warm-up). */
  runs: number;
  /** Older pages read by scrolling to the top, one after the other. */
  olderPages: number;
}

export const historyOptions = (): HistoryOptions => ({
  messages: Number(process.env.BENCH_HISTORY_MESSAGES ?? 100_000),
  runs: Number(process.env.BENCH_HISTORY_RUNS ?? 20),
  olderPages: Number(process.env.BENCH_HISTORY_PAGES ?? 30),
});

interface OpenRun {
  ms: number;
  /** Items of the Messages list in the DOM once painted. */
  items: number;
  /** The newest message was inside the scroller's viewport when painted. */
  newestInView: boolean;
}

interface PageRun {
  ms: number;
  /**
   * How far (px) the message at the top of the viewport moved while the older page was added
   * above it (0: not at all); null if it was no longer rendered.
   */
  shift: number | null;
}

export interface HistoryResult {
  options: HistoryOptions;
  ingestMs: number;
  opens: OpenRun[];
  warmup: number;
  pages: PageRun[];
  /** aria-setsize of the list once the pages were read: the whole conversation. */
  setSize: number | null;
  load: [number, number];
}

const DIST = fileURLToPath(new URL('../dist', import.meta.url));

type PaintWindow = Window & { __afterPaint?: () => Promise<void> };

/** Runs in the page (an init script): __afterPaint resolves once the next frame has been painted. */
function installAfterPaint(): void {
  (window as PaintWindow).__afterPaint = () =>
    new Promise((resolve) =>
      requestAnimationFrame(() => {
        // A message posted from a frame's rAF callback runs after that frame is painted.
        const painted = new MessageChannel();
        painted.port1.onmessage = () => resolve();
        painted.port2.postMessage(null);
      }),
    );
}

async function person(browser: Browser, url: string, name: string, log: string[]): Promise<Person> {
  const page = await benchPage(browser, name, log);
  await page.addInitScript(installAfterPaint);
  await page.goto(url);
  return { name, page };
}

/** Runs in the page: clicks the contact and resolves once the newest message has been painted. */
function openAndPaint({ contact, newest }: { contact: string; newest: string }): Promise<OpenRun> {
  const button = [...document.querySelectorAll<HTMLButtonElement>('ul[aria-label="Contacts"] > li button')].find((b) => b.textContent?.trim() === contact);
  if (!button) throw new Error(`no contact ${contact}`);
  const newestItem = (): HTMLElement | undefined => {
    const last = document.querySelector('ul[aria-label="Messages"]')?.lastElementChild;
    return last instanceof HTMLElement && last.querySelector('p')?.textContent === newest ? last : undefined;
  };
  return new Promise((resolve) => {
    const t0 = performance.now();
    const observer = new MutationObserver(() => {
      const item = newestItem();
      if (!item) return;
      observer.disconnect();
      void (window as PaintWindow).__afterPaint!().then(() => {
        const ms = performance.now() - t0;
        const view = item.parentElement!.parentElement!.getBoundingClientRect();
        const box = item.getBoundingClientRect();
        resolve({ ms, items: item.parentElement!.children.length, newestInView: box.top >= view.top - 1 && box.bottom <= view.bottom + 1 });
      });
    });
    observer.observe(document.body, { childList: true, subtree: true, characterData: true });
    button.click();
  });
}

/**
 * Runs in the page, in an open conversation: `pages` times, scrolls to the top and waits until
 * the older page has been read and painted (the list is aria-busy meanwhile).
 */
async function scrollThroughOlder(pages: number): Promise<{ runs: PageRun[]; setSize: number | null }> {
  const list = document.querySelector<HTMLElement>('ul[aria-label="Messages"]')!;
  const scroller = list.parentElement!;
  /** The message at the top of the viewport (its text: "history N", unique) and where it is. */
  const textOf = (li: Element) => li.querySelector('p')?.textContent ?? '';
  const atTop = (): { text: string; top: number } | null => {
    const top = scroller.getBoundingClientRect().top;
    const item = [...list.children].find((li) => li.getBoundingClientRect().bottom > top + 1);
    return item ? { text: textOf(item), top: item.getBoundingClientRect().top } : null;
  };
  const runs: PageRun[] = [];
  for (let i = 0; i < pages; i++) {
    let before: { text: string; top: number } | null = null;
    const t0 = performance.now();
    await new Promise<void>((resolve) => {
      const observer = new MutationObserver(() => {
        if (list.getAttribute('aria-busy') === 'true') before ??= atTop();
        else if (before !== null) {
          observer.disconnect();
          resolve();
        }
      });
      observer.observe(list, { attributes: true, attributeFilter: ['aria-busy'] });
      // Again on every frame until the page is being read: just after opening, the list may
      // still be settling at the bottom and put the scroll position back there.
      const toTop = () => {
        if (before !== null) return;
        scroller.scrollTop = 0;
        requestAnimationFrame(toTop);
      };
      toTop();
    });
    await (window as PaintWindow).__afterPaint!();
    const start = before as { text: string; top: number } | null; // set by the observer
    const same = [...list.children].find((li) => textOf(li) === start?.text);
    runs.push({ ms: performance.now() - t0, shift: start !== null && same !== undefined ? same.getBoundingClientRect().top - start.top : null });
  }
  const setSize = list.firstElementChild?.getAttribute('aria-setsize');
  return { runs, setSize: setSize ? Number(setSize) : null };
}

/** Reloads and waits until the app is connected and the page is idle: nothing else is starting up. */
async function quietReload(page: Page, contact: string): Promise<void> {
  await page.reload();
  await expect(page.getByRole('list', { name: 'Contacts' }).getByRole('button', { name: contact, exact: true })).toBeVisible();
  await expect(page.getByText('Connected', { exact: true })).toBeVisible({ timeout: 20_000 });
  await page.evaluate(() => new Promise((resolve) => requestIdleCallback(resolve, { timeout: 2000 })));
}

export async function benchHistory(url: string, browser: Browser, options: HistoryOptions, log: string[]): Promise<HistoryResult> {
  const loadBefore = loadavg()[0]!;
  const [alice, bob] = await Promise.all([person(browser, url, 'Alice', log), person(browser, url, 'Bob', log)]);
  await Promise.all([createIdentity(alice), createIdentity(bob)]);
  await addContact(alice, await inviteLinkOf(bob));
  // Bob goes away: no connection is set up while Alice's conversation is measured.
  await bob.page.context().close();
  const { contacts } = await storedIds(alice.page);
  const day = 86_400_000;
  const history = makeHistory(contacts[0]!, options.messages, { start: Date.now() - 400 * day, stepMs: (400 * day) / options.messages });
  progress(`writing ${options.messages} messages into IndexedDB…`);
  const ingestMs = await writeHistory(alice.page, history);

  const newest = historyText(options.messages);
  const opens: OpenRun[] = [];
  let warmup = NaN;
  for (let run = -1; run < options.runs; run++) {
    progress(`opening the conversation: run ${run + 1}/${options.runs}`);
    await quietReload(alice.page, bob.name);
    const result = await alice.page.evaluate(openAndPaint, { contact: bob.name, newest });
    if (run < 0) warmup = result.ms;
    else opens.push(result);
  }
  progress(`scrolling up through ${options.olderPages} older pages…`);
  await quietReload(alice.page, bob.name);
  await alice.page.evaluate(openAndPaint, { contact: bob.name, newest });
  const { runs: pages, setSize } = await alice.page.evaluate(scrollThroughOlder, options.olderPages);
  if (process.stdout.isTTY) process.stdout.write('\n');
  await alice.page.context().close();
  return { options, ingestMs, opens, warmup, pages, setSize, load: [loadBefore, loadavg()[0]!] };
}

function progress(line: string): void {
  if (process.stdout.isTTY) process.stdout.write(`\r${line.padEnd(60)}`);
}

const pass = (ok: boolean): string => (ok ? 'PASS' : 'FAIL');
const row = (label: string, s: Summary, each: number[]): string[] => [label, String(s.runs), fmt(s.median), fmt(s.p90), fmt(s.min), fmt(s.max), each.map((v) => fmt(v, 0)).join(' ')];

/** One line for the summary of `npm run bench`. */
export function historyFigure(r: HistoryResult): string {
  const open = summarize(r.opens.map((o) => o.ms));
  const page = summarize(r.pages.map((p) => p.ms));
  return (
    `long-conversation open median=${fmt(open.median)}ms p90=${fmt(open.p90)}ms (${r.opens.length} runs, target <${HISTORY_TARGET_OPEN_MS}ms: ${pass(open.median < HISTORY_TARGET_OPEN_MS)}) | ` +
    `older page median=${fmt(page.median)}ms p90=${fmt(page.p90)}ms | ingest=${fmt((r.options.messages * 1000) / r.ingestMs, 0)} msg/s (${r.options.messages} msgs)`
  );
}

export function reportHistory(r: HistoryResult): void {
  const { messages } = r.options;
  const open = summarize(r.opens.map((o) => o.ms));
  const page = summarize(r.pages.map((p) => p.ms));
  console.log(`\n== A conversation of ${messages} messages (one Chromium; load average ${r.load[0].toFixed(1)} before, ${r.load[1].toFixed(1)} after) ==`);
  console.log(`IndexedDB ingest: ${messages} messages in ${fmt(r.ingestMs / 1000)} s = ${fmt((messages * 1000) / r.ingestMs, 0)} messages/s (Dexie bulkAdd, 5000 per call, rows as MessageRow)`);
  console.log(
    table(
      ['ms', 'runs', 'median', 'p90', 'min', 'max', 'each run'],
      [row('click on the contact → newest message painted (after a reload)', open, r.opens.map((o) => o.ms)), row('scroll to the top → older page (100) painted', page, r.pages.map((p) => p.ms))],
    ),
  );
  console.log(`warm-up open (first after writing the history): ${fmt(r.warmup)} ms`);
  const items = summarize(r.opens.map((o) => o.items));
  console.log(`list items in the DOM when painted: median ${fmt(items.median)}, max ${fmt(items.max)} (of ${messages})`);
  console.log(`newest message in view when painted: ${r.opens.filter((o) => o.newestInView).length}/${r.opens.length} runs`);
  const moved = r.pages.flatMap((p, i) => (p.shift !== null && Math.abs(p.shift) < 1 ? [] : [`page ${i + 1}: ${p.shift === null ? 'gone' : `${fmt(p.shift)} px`}`]));
  console.log(`scroll position kept while older pages were added above: ${r.pages.length - moved.length}/${r.pages.length} pages${moved.length > 0 ? ` (moved: ${moved.join(', ')})` : ''}`);
  console.log(`aria-setsize after reading ${r.pages.length} older pages: ${r.setSize ?? '—'} (expected ${messages})`);
  console.log(`target: open median < ${HISTORY_TARGET_OPEN_MS} ms: ${pass(open.median < HISTORY_TARGET_OPEN_MS)}`);
}

async function main(): Promise<void> {
  if (!existsSync(join(DIST, 'index.html'))) throw new Error('dist/ is missing: run `npx vite build` first (npm run bench:history does).');
  const options = historyOptions();
  const log: string[] = [];
  const server = await createSignalServer({ port: 0, host: '127.0.0.1', staticDir: DIST });
  const browser = await launchChromium();
  try {
    console.log(`Tincan at ${server.url}; Chromium ${browser.version()}; ${options.messages} messages, ${options.runs} opens (+1 warm-up), ${options.olderPages} older pages.`);
    reportHistory(await benchHistory(server.url, browser, options, log));
    if (log.length > 0) console.log(`\nPage console (errors and warnings, ${log.length}):\n  ${log.slice(0, 20).join('\n  ')}`);
  } finally {
    await browser.close();
    await server.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error('\nhistory benchmark failed:', error);
      process.exit(1);
    },
  );
}
