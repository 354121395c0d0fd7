import { createServer } from 'node:http';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import sirv from 'sirv';
import { build } from 'vite';
import { launchChromium } from '../tests/fixtures/chromium.ts';
import { FRAME_PACK_LIMITS } from '../web/protocol/peer-frames.ts';
import type { CryptoBenchWindow, FloodSent, FloodSpec, PerOp } from './crypto-page/api.ts';
import { fmt, medianOf, table } from './stats.ts';
import { benchPage } from './tincan.ts';

// End-to-end encryption against plaintext over one real WebRTC data channel between two headless
// Chromium processes (issue 5: "encrypted messages/s and MB/s over the channel are at least
// 0.85× plaintext"). Both pages run bench/crypto-page, bundled by Vite: a session started with
// X3DH and the product's sealPlaintexts/openEnvelope, no IndexedDB. Every flood sends the same
// kind of message frames, encoded as the product encodes them and decoded and validated on
// receipt, plaintext or encrypted, so the only difference is the crypto. Backpressure is the same
// in every variant and the same as the product's (simple-peer's 64 KiB). Variants with several
// frames per write (and per envelope) weigh a protocol change; the product seals one per envelope.
//
// `npm run bench:crypto` runs this alone; `npm run bench` runs it as its last section.

export const CRYPTO_TARGET_RATIO = 0.85;

export interface Scenario {
  label: string;
  textSize: number;
  /** Frames per flood. */
  count: number;
  /** Frames per write (and per envelope) to measure besides 1. */
  batches: number[];
  /**
   * Frames per envelope when the product writes a burst of these frames to a channel: as many as
   * packPeerFrames puts in one (FRAME_PACK_LIMITS).
   */
  productBatch: number;
}

export const SCENARIOS: Scenario[] = [
  // A burst of chat messages: 64 of them (about 12 KB) fill one pack.
  { label: 'chat-sized (100-character text)', textSize: 100, count: 5000, batches: [16, FRAME_PACK_LIMITS.frames], productBatch: FRAME_PACK_LIMITS.frames },
  // 16 000 characters is the longest text a message may have (MESSAGE_LIMITS.maxTextLength); two
  // such frames exceed FRAME_PACK_LIMITS.bytes, so each goes alone. 1200 of them take about 4 s:
  // floods of 300 (1 s) varied by a quarter from run to run, more than the difference measured.
  { label: 'large (16 000-character text, ~16 KiB frame)', textSize: 16_000, count: 1200, batches: [], productBatch: 1 },
];

const FLOOD_TIMEOUT_MS = 120_000;
/** Frames timed on their own (no channel) for the per-operation figures, and passes (the best counts). */
const PER_OP_FRAMES = { small: 3000, large: 200 };
const PER_OP_PASSES = 5;

/** One way of sending: plaintext or encrypted, so many frames per write. */
type Variant = Pick<FloodSpec, 'encrypted' | 'batch'>;

const variantsOf = (s: Scenario): Variant[] => [
  { encrypted: false, batch: 1 },
  { encrypted: true, batch: 1 },
  ...s.batches.flatMap((batch): Variant[] => [
    { encrypted: false, batch },
    { encrypted: true, batch },
  ]),
];

export function variantLabel({ encrypted, batch }: Variant, scenario: Scenario): string {
  if (!encrypted) return batch === 1 ? 'plaintext' : `plaintext, ${batch} frames per write`;
  const what = batch === 1 ? 'encrypted, 1 frame per envelope' : `encrypted, ${batch} frames per envelope`;
  if (batch === scenario.productBatch) return `${what} (the product on a channel)`;
  return batch === 1 ? `${what} (the product via the server)` : what;
}

export interface VariantResult {
  variant: Variant;
  /** Per counted run: ms from the first encode to the receiver's ack. */
  ms: number[];
  msgPerSec: number[];
  mbPerSec: number[];
  frameBytes: number;
  wireBytes: number;
  writes: number;
  /** µs per frame, encode (+ seal) on the sender and (open +) decode on the receiver. */
  send: PerOp;
  receive: PerOp;
}

export interface ScenarioResult {
  scenario: Scenario;
  variants: VariantResult[];
}

export interface CryptoChannelResult {
  runs: number;
  /** 1-minute load average of the machine before and after: the figures are only as steady as it. */
  load: [number, number];
  scenarios: ScenarioResult[];
  profile: string[] | null;
}

interface CryptoPair {
  sender: Page;
  receiver: Page;
}

/** Builds bench/crypto-page with Vite into a temporary directory and serves it on loopback. */
async function serveCryptoPage(): Promise<{ url: string; close(): Promise<void> }> {
  const outDir = mkdtempSync(join(tmpdir(), 'tincan-crypto-page-'));
  await build({
    configFile: false,
    root: fileURLToPath(new URL('./crypto-page', import.meta.url)),
    logLevel: 'warn',
    // Unminified, so that a profile (BENCH_PROFILE=1) names the product's functions.
    build: { outDir, emptyOutDir: true, target: 'es2022', minify: false },
  });
  const server = createServer(sirv(outDir, { dev: false }));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(outDir, { recursive: true, force: true });
    },
  };
}

async function cryptoPage(browser: Browser, url: string, log: string[], name: string): Promise<Page> {
  const page = await benchPage(browser, name, log);
  await page.goto(url);
  await page.waitForFunction(() => (window as CryptoBenchWindow).__cryptoBench !== undefined);
  return page;
}

/** X3DH through the bench (standing in for the server), the reply that confirms it, then the channel. */
async function connect({ sender, receiver }: CryptoPair): Promise<void> {
  const bob = await receiver.evaluate(() => (window as CryptoBenchWindow).__cryptoBench!.createIdentity(true));
  const alice = await sender.evaluate(() => (window as CryptoBenchWindow).__cryptoBench!.createIdentity(false));
  const initial = await sender.evaluate(([id, bundle]) => (window as CryptoBenchWindow).__cryptoBench!.startSession(id, bundle), [bob.id, bob.bundle!] as const);
  const reply = await receiver.evaluate(([id, env]) => (window as CryptoBenchWindow).__cryptoBench!.acceptSession(id, env), [alice.id, initial] as const);
  await sender.evaluate((env) => (window as CryptoBenchWindow).__cryptoBench!.confirmSession(env), reply);
  const offer = await sender.evaluate(() => (window as CryptoBenchWindow).__cryptoBench!.offer());
  const answer = await receiver.evaluate((sdp) => (window as CryptoBenchWindow).__cryptoBench!.answer(sdp), offer);
  await Promise.all([
    sender.evaluate((sdp) => (window as CryptoBenchWindow).__cryptoBench!.accept(sdp), answer),
    receiver.evaluate(() => (window as CryptoBenchWindow).__cryptoBench!.opened()),
  ]);
}

async function flood({ sender, receiver }: CryptoPair, spec: FloodSpec): Promise<FloodSent> {
  await receiver.evaluate((s) => (window as CryptoBenchWindow).__cryptoBench!.expect(s), spec);
  const [sent] = await Promise.all([
    sender.evaluate((s) => (window as CryptoBenchWindow).__cryptoBench!.flood(s), spec),
    receiver.evaluate((ms) => (window as CryptoBenchWindow).__cryptoBench!.received(ms), FLOOD_TIMEOUT_MS),
  ]);
  return sent;
}

/** Encode/seal on the sender, then open/decode the same writes on the receiver, with no channel. */
async function perOp({ sender, receiver }: CryptoPair, spec: FloodSpec): Promise<{ send: PerOp; receive: PerOp }> {
  const sealed = await sender.evaluate((s) => (window as CryptoBenchWindow).__cryptoBench!.sealTimed(s), spec);
  const receive = await receiver.evaluate(([s, envelopes]) => (window as CryptoBenchWindow).__cryptoBench!.openTimed(s, envelopes), [
    spec,
    sealed.envelopes,
  ] as const);
  return { send: sealed.perOp, receive };
}

const specOf = (s: Scenario, v: Variant, count = s.count): FloodSpec => ({ ...v, textSize: s.textSize, count });

/**
 * The best of PER_OP_PASSES timed passes after a warm-up pass: other work on the machine can
 * only add to a pass's time, so the fastest is the closest to the code's own cost.
 */
async function bestPerOp(pair: CryptoPair, spec: FloodSpec): Promise<{ send: PerOp; receive: PerOp }> {
  await perOp(pair, spec);
  const passes: { send: PerOp; receive: PerOp }[] = [];
  for (let i = 0; i < PER_OP_PASSES; i++) passes.push(await perOp(pair, spec));
  const best = (pick: (p: { send: PerOp; receive: PerOp }) => PerOp): PerOp => ({ ops: spec.count, us: Math.min(...passes.map((p) => pick(p).us)) });
  return { send: best((p) => p.send), receive: best((p) => p.receive) };
}

/**
 * Self time by function over both pages while one encrypted chat-sized flood runs, from Chrome's
 * sampling profiler: where an encrypted message's time goes.
 */
async function profileFlood(pair: CryptoPair, spec: FloodSpec): Promise<string[]> {
  const sessions = await Promise.all([pair.sender, pair.receiver].map((page) => page.context().newCDPSession(page)));
  for (const cdp of sessions) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
    await cdp.send('Profiler.start');
  }
  await flood(pair, spec);
  const lines: string[] = [];
  for (const [i, cdp] of sessions.entries()) {
    const { profile } = await cdp.send('Profiler.stop');
    await cdp.detach();
    const selfUs = new Map<string, number>();
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    profile.samples?.forEach((id, k) => {
      const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
      const name = `${functionName || '(anonymous)'} ${url ? `${url.split('/').pop()}:${lineNumber + 1}` : ''}`.trim();
      selfUs.set(name, (selfUs.get(name) ?? 0) + (profile.timeDeltas?.[k] ?? 0));
    });
    const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
    const busy = [...selfUs].filter(([name]) => name !== '(idle)' && name !== '(program)');
    const busyUs = busy.reduce((a, [, us]) => a + us, 0);
    lines.push(
      `${i === 0 ? 'sender' : 'receiver'}: busy ${fmt(busyUs / 1000)} of ${fmt(total / 1000)} ms sampled, ${fmt(busyUs / spec.count)} µs per frame; top self time:`,
    );
    for (const [name, us] of busy.sort((a, b) => b[1] - a[1]).slice(0, 14)) {
      lines.push(`  ${fmt(us / spec.count, 2).padStart(7)} µs/frame  ${((100 * us) / busyUs).toFixed(1).padStart(5)}%  ${name}`);
    }
  }
  return lines;
}

const progress = (line: string): void => {
  if (process.stdout.isTTY) process.stdout.write(`\r${line}   `);
};

/** Settings of one benchmark: from BENCH_CRYPTO_RUNS and BENCH_PROFILE when run from npm. */
export interface CryptoChannelOptions {
  runs: number;
  /** Also profile one encrypted chat-sized flood (Chrome's sampling profiler, both pages). */
  profile: boolean;
}

export const cryptoChannelOptions = (): CryptoChannelOptions => ({
  runs: Number(process.env.BENCH_CRYPTO_RUNS ?? 7),
  profile: process.env.BENCH_PROFILE === '1',
});

/**
 * Runs every scenario on a fresh pair of pages in `browsers` (one sender, one receiver, each in
 * its own process): `runs` counted rounds after a warm-up round, the variants one after the
 * other within each round, so that each run's ratios compare floods made under the same load.
 */
export async function benchCryptoChannel(browsers: [Browser, Browser], { runs, profile }: CryptoChannelOptions, log: string[]): Promise<CryptoChannelResult> {
  const loadBefore = loadavg()[0]!;
  const served = await serveCryptoPage();
  try {
    const pair: CryptoPair = {
      sender: await cryptoPage(browsers[0], served.url, log, 'crypto sender'),
      receiver: await cryptoPage(browsers[1], served.url, log, 'crypto receiver'),
    };
    await connect(pair);
    const scenarios: ScenarioResult[] = [];
    for (const scenario of SCENARIOS) {
      const variants = variantsOf(scenario);
      const sent = variants.map((): FloodSent[] => []);
      for (let run = -1; run < runs; run++) {
        for (const [i, variant] of variants.entries()) {
          progress(`crypto channel, ${scenario.label}: run ${run + 1}/${runs}, ${variantLabel(variant, scenario)}`);
          const result = await flood(pair, specOf(scenario, variant));
          if (run >= 0) sent[i]!.push(result);
        }
      }
      const perOpCount = scenario.textSize > 1000 ? PER_OP_FRAMES.large : PER_OP_FRAMES.small;
      const results: VariantResult[] = [];
      for (const [i, variant] of variants.entries()) {
        const floods = sent[i]!;
        const ms = floods.map((f) => f.ackedAt - f.startedAt);
        results.push({
          variant,
          ms,
          msgPerSec: ms.map((m) => (scenario.count * 1000) / m),
          mbPerSec: floods.map((f, k) => f.frameBytes / 1e6 / (ms[k]! / 1000)),
          frameBytes: floods[0]!.frameBytes,
          wireBytes: floods[0]!.wireBytes,
          writes: floods[0]!.writes,
          ...(await bestPerOp(pair, specOf(scenario, variant, perOpCount))),
        });
      }
      scenarios.push({ scenario, variants: results });
      if (process.stdout.isTTY) process.stdout.write('\n');
    }
    const profiled = profile ? await profileFlood(pair, specOf(SCENARIOS[0]!, { encrypted: true, batch: 1 })) : null;
    return { runs, load: [loadBefore, loadavg()[0]!], scenarios, profile: profiled };
  } finally {
    await served.close();
  }
}

const median = medianOf;
const pass = (ok: boolean): string => (ok ? 'PASS' : 'FAIL');

const find = (variants: VariantResult[], encrypted: boolean, batch: number): VariantResult | undefined =>
  variants.find((v) => v.variant.encrypted === encrypted && v.variant.batch === batch);

/** Median over the runs of a's msg/s over b's in the same run: floods next to each other share the machine's load. */
export const pairedRatio = (a: VariantResult, b: VariantResult): number => median(a.msgPerSec.map((x, i) => x / b.msgPerSec[i]!));

/**
 * The acceptance figure: the product's encrypted frames on a channel (packed as it packs a burst)
 * against plaintext frames written one by one, per run, median.
 */
export function productRatio(scenario: Scenario, variants: VariantResult[]): number {
  return pairedRatio(find(variants, true, scenario.productBatch)!, find(variants, false, 1)!);
}

export function reportCryptoChannel(r: CryptoChannelResult): void {
  console.log(`\n== Encrypted vs plaintext over one data channel (${r.runs} runs each; two Chromium processes) ==`);
  console.log('Every variant sends the same message frames: JSON-encoded on send, decoded and validated (valibot) on receipt.');
  console.log('encrypted = sealPlaintexts/openEnvelope (web/crypto/session.ts) in an X3DH-started session; several frames in one');
  console.log('write or envelope are packed with packPeerFrames, as the product packs a burst for a channel.');
  console.log('Sealing and opening persist nothing: the session row stays in memory. The product commits it to IndexedDB in');
  console.log('the same transaction as the message; that cost belongs to the UI flood, not to this comparison.');
  console.log("Time: first encode → the receiver's ack after decoding the last frame, on the sender's clock; backpressure alike");
  console.log(`in every variant. Load average (1 min) of the machine: ${r.load[0].toFixed(1)} before, ${r.load[1].toFixed(1)} after.`);
  for (const { scenario, variants } of r.scenarios) {
    const plain = find(variants, false, 1)!;
    console.log(`\n-- ${scenario.label}: ${scenario.count} frames of ${fmt(plain.frameBytes / scenario.count, 0)} bytes per flood --`);
    console.log(
      table(
        ['', 'msg/s', 'MB/s', '× plaintext', '× same batching', 'wire B/frame', 'send µs/frame', 'receive µs/frame', 'msg/s each run'],
        variants.map((v) => {
          const sameBatching = v.variant.encrypted ? find(variants, false, v.variant.batch) : undefined;
          return [
            variantLabel(v.variant, scenario),
            fmt(median(v.msgPerSec), 0),
            fmt(median(v.mbPerSec), 2),
            v === plain ? '—' : pairedRatio(v, plain).toFixed(2),
            sameBatching && v.variant.batch > 1 ? pairedRatio(v, sameBatching).toFixed(2) : '—',
            fmt(v.wireBytes / scenario.count, 0),
            fmt(v.send.us, 2),
            fmt(v.receive.us, 2),
            v.msgPerSec.map((x) => fmt(x, 0)).join(' '),
          ];
        }),
      ),
    );
  }
  console.log('msg/s and MB/s: medians over the runs; MB/s counts frame JSON bytes, the same in every variant.');
  console.log('× plaintext: median over the runs of msg/s over plaintext msg/s in the same run (× same batching: over the');
  console.log('plaintext variant with as many frames per write). send/receive µs/frame: encode (+ seal) and (open +) decode');
  console.log(`alone, no channel, one thread each, best of ${PER_OP_PASSES} passes.`);
  console.log('Target: the product on a channel at least 0.85× plaintext written one frame at a time; × same batching shows');
  console.log('what encryption costs when plaintext is packed alike.');
  if (r.profile) {
    console.log('\n-- Profile of one encrypted chat-sized flood (self time per frame, including building the frames) --');
    for (const line of r.profile) console.log(line);
  }
}

/** The summary lines (with the issue 5 target) for the Figures section. */
export function cryptoChannelFigures(r: CryptoChannelResult): string[] {
  return r.scenarios.map(({ scenario, variants }) => {
    const plain = find(variants, false, 1)!;
    const product = find(variants, true, scenario.productBatch)!;
    const ratio = productRatio(scenario, variants);
    const samePacking = scenario.productBatch > 1 ? ` (× plaintext packed alike: ${pairedRatio(product, find(variants, false, scenario.productBatch)!).toFixed(2)})` : '';
    const single = scenario.productBatch > 1 ? ` | 1 per envelope (via the server): ×${pairedRatio(find(variants, true, 1)!, plain).toFixed(2)}` : '';
    return (
      `crypto-channel ${scenario.textSize}-char: plaintext=${fmt(median(plain.msgPerSec), 0)} msg/s ${fmt(median(plain.mbPerSec), 2)} MB/s | ` +
      `product encrypted=${fmt(median(product.msgPerSec), 0)} msg/s ${fmt(median(product.mbPerSec), 2)} MB/s | ratio=${ratio.toFixed(3)} ` +
      `target>=${CRYPTO_TARGET_RATIO}: ${pass(ratio >= CRYPTO_TARGET_RATIO)}${samePacking}${single}`
    );
  });
}

async function main(): Promise<void> {
  const options = cryptoChannelOptions();
  const log: string[] = [];
  const browsers = (await Promise.all([launchChromium(), launchChromium()])) as [Browser, Browser];
  try {
    console.log(`Chromium ${browsers[0].version()}, two processes; ${options.runs} runs per variant (+1 warm-up).`);
    const result = await benchCryptoChannel(browsers, options, log);
    reportCryptoChannel(result);
    console.log('\n== Figures ==');
    for (const line of cryptoChannelFigures(result)) console.log(line);
    if (log.length > 0) console.log(`\nPage console (errors and warnings, ${log.length}):\n  ${log.slice(0, 20).join('\n  ')}`);
  } finally {
    await Promise.all(browsers.map((b) => b.close()));
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error('\ncrypto channel benchmark failed:', error);
      process.exit(1);
    },
  );
}
