import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { launch as launchChrome } from 'chrome-launcher';
import lighthouse, { desktopConfig, type Config, type Flags } from 'lighthouse';
import { createSignalServer } from '../signal-server/server.ts';
import { chromiumArgs, chromiumExecutable, launchPersistentChromium } from '../tests/fixtures/chromium.ts';
import { buildIfStale } from './build-if-stale.ts';

// `npm run lighthouse`: Lighthouse 12 against the production build, served by the real server
// (the factory of `npm start`, on a free port, with a throwaway data directory), then whether
// Chromium considers the app installable. Prints the scores and, under each, what cost points.
// Full reports go to .lighthouse/ (JSON and HTML).
//
// Two screens: the first run (no identity yet: what every new visitor loads) and the main screen
// (an identity made beforehand through the first-run form, as a person would, in an earlier
// browser session on the same profile; its service worker, caches and HTTP cache cleared, so that
// this load is cold too). Each in Lighthouse's mobile (its default: a mid-range phone,
// throttled) and desktop presets.
//
// `--runs N` runs each of them N times and prints the median of each score (performance varies
// from run to run with the machine's load, which is printed too); the reports kept are the run
// with the median performance score. `--screen first-run` or `--screen main` scores only one.

const CATEGORIES = ['performance', 'accessibility', 'best-practices'] as const;
const REPORT_DIR = '.lighthouse';
/** Audits scoring below this are listed under the scores. */
const LIST_BELOW = 0.9;

type Screen = 'first-run' | 'main';
type FormFactor = 'mobile' | 'desktop';

type Scores = Record<(typeof CATEGORIES)[number], number>;

interface Run {
  scores: Scores;
  shortfalls: string[];
  reports: { json: string; html: string };
}

interface ScreenScores {
  screen: Screen;
  formFactor: FormFactor;
  /** Medians over the runs. */
  scores: Scores;
  /** Of the run with the median performance score. */
  shortfalls: string[];
}

const SCREENS: Screen[] = ['first-run', 'main'];
const { values: options } = parseArgs({ options: { runs: { type: 'string', default: '1' }, screen: { type: 'string' } } });
const runs = Number(options.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a whole number of at least 1, not ${options.runs}`);
const screens = SCREENS.filter((screen) => options.screen === undefined || options.screen === screen);
if (screens.length === 0) throw new Error(`--screen must be one of ${SCREENS.join(', ')}, not ${options.screen}`);

buildIfStale();
const dataDir = mkdtempSync(join(tmpdir(), 'tincan-lighthouse-'));
const server = await createSignalServer({ port: 0, host: '127.0.0.1', staticDir: 'dist', dataDir });
mkdirSync(REPORT_DIR, { recursive: true });
try {
  const load = loadavg()[0]!.toFixed(1);
  const results: ScreenScores[] = [];
  for (const screen of screens) {
    for (const formFactor of ['mobile', 'desktop'] as const) {
      const all: Run[] = [];
      for (let i = 0; i < runs; i++) all.push(await scoreScreen(server.url, screen, formFactor));
      const typical = [...all].sort((a, b) => a.scores.performance - b.scores.performance)[Math.floor(all.length / 2)]!;
      writeFileSync(join(REPORT_DIR, `${screen}-${formFactor}.json`), typical.reports.json);
      writeFileSync(join(REPORT_DIR, `${screen}-${formFactor}.html`), typical.reports.html);
      const scores = Object.fromEntries(CATEGORIES.map((id) => [id, median(all.map((run) => run.scores[id]))])) as Scores;
      results.push({ screen, formFactor, scores, shortfalls: typical.shortfalls });
    }
  }
  console.log(`\nLighthouse ${runs === 1 ? '(1 run each)' : `(median of ${runs} runs each)`}; load average ${load} before, ${loadavg()[0]!.toFixed(1)} after`);
  printScores(results);
  console.log(`installable: ${await installability(server.url)}`);
  console.log(`\nReports: ${REPORT_DIR}/`);
} finally {
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
}

async function scoreScreen(url: string, screen: Screen, formFactor: FormFactor): Promise<Run> {
  const profile = mkdtempSync(join(tmpdir(), 'tincan-lighthouse-profile-'));
  try {
    if (screen === 'main') await makeIdentity(profile, url);
    const chromePath = chromiumExecutable();
    const chrome = await launchChrome({
      ...(chromePath ? { chromePath } : {}),
      chromeFlags: ['--headless=new', ...chromiumArgs()],
      userDataDir: profile,
    });
    try {
      return await audit(url, chrome.port, screen, formFactor);
    } finally {
      chrome.kill();
    }
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

async function audit(url: string, port: number, screen: Screen, formFactor: FormFactor): Promise<Run> {
  const flags: Flags = {
    port,
    output: ['json', 'html'],
    logLevel: 'error',
    onlyCategories: [...CATEGORIES],
    // The main screen needs the identity in IndexedDB; makeIdentity cleared the rest.
    disableStorageReset: screen === 'main',
  };
  const config: Config | undefined = formFactor === 'desktop' ? desktopConfig : undefined;
  const result = await lighthouse(url, flags, config);
  if (!result) throw new Error('Lighthouse returned no result');
  const { lhr } = result;
  if (lhr.runtimeError) throw new Error(`Lighthouse: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`);
  const [json, html] = result.report as string[];
  const scores = Object.fromEntries(CATEGORIES.map((id) => [id, Math.round((lhr.categories[id]?.score ?? 0) * 100)])) as Scores;
  const counted = new Set(CATEGORIES.flatMap((id) => lhr.categories[id]?.auditRefs.filter((ref) => ref.weight > 0).map((ref) => ref.id) ?? []));
  const shortfalls = Object.values(lhr.audits)
    .filter((audit) => counted.has(audit.id) && audit.score !== null && audit.score < LIST_BELOW)
    .map((audit) => `${audit.id} ${audit.score}${audit.displayValue ? ` (${audit.displayValue})` : ''}`);
  return { scores, shortfalls, reports: { json: json!, html: html! } };
}

/**
 * Makes an identity through the first-run form, as a person would, in a browser session on
 * `profile` that ends before Lighthouse starts its own on it (the identity stays in IndexedDB);
 * the service worker, its caches and the HTTP cache are cleared first, so that the measured load
 * fetches the app from the server again.
 */
async function makeIdentity(profile: string, url: string): Promise<void> {
  const context = await launchPersistentChromium(profile);
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(url);
    await page.getByLabel('Display name').fill('Lighthouse');
    await page.getByRole('button', { name: 'Create identity' }).click();
    await page.getByRole('button', { name: 'Share invite' }).waitFor();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Storage.clearDataForOrigin', { origin: new URL(url).origin, storageTypes: 'service_workers,cache_storage' });
    await cdp.send('Network.clearBrowserCache');
  } finally {
    await context.close();
  }
}

/**
 * "yes", or why not, as Chromium itself judges it (Page.getInstallabilityErrors) once the page and
 * its service worker are loaded. A persistent profile, because an incognito one never is.
 */
async function installability(url: string): Promise<string> {
  const profile = mkdtempSync(join(tmpdir(), 'tincan-installable-'));
  const context = await launchPersistentChromium(profile);
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(url);
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
    const cdp = await context.newCDPSession(page);
    const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
    if (installabilityErrors.length === 0) return 'yes';
    return `no: ${installabilityErrors.map((e) => `${e.errorId}${e.errorArguments.map((a) => ` ${a.name}=${a.value}`).join('')}`).join('; ')}`;
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : Math.round((sorted[middle - 1]! + sorted[middle]!) / 2);
}

function printScores(results: ScreenScores[]): void {
  const header = ['screen', 'form factor', ...CATEGORIES];
  const rows = results.map((r) => [r.screen, r.formFactor, ...CATEGORIES.map((id) => String(r.scores[id]))]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(line(header));
  for (const row of rows) console.log(line(row));
  for (const r of results) {
    if (r.shortfalls.length > 0) console.log(`\n${r.screen} ${r.formFactor}, audits below ${LIST_BELOW}:\n  ${r.shortfalls.join('\n  ')}`);
  }
  console.log('');
}
