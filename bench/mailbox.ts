import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSignalServer } from '../signal-server/server.ts';
import { generateIdentityKeys } from '../web/crypto/identity.ts';
import type { PeerId } from '../web/protocol/ids.ts';
import { newMessageId, TestClient } from '../tests/fixtures/ws-client.ts';
import { fmt } from './stats.ts';

// The server's delivery path with real ws clients and a real SQLite file: how many blobs per
// second it durably accepts for an offline recipient, delivers from the mailbox (sent, acked,
// deleted), and relays between two online clients. The clients validate every frame they get,
// as the app does, so these are end-to-end figures on one machine, not the server alone.

export interface MailboxBenchOptions {
  /** Blobs per measurement. */
  blobs?: number;
  /** Bytes per blob (about a short text message sealed in an envelope). */
  blobBytes?: number;
  /** `send` frames awaiting their answer at once. */
  sendWindow?: number;
}

export interface MailboxBenchResult {
  blobs: number;
  blobBytes: number;
  sendWindow: number;
  deliveryWindow: number;
  /** Until every `send` to the offline recipient was answered `accepted` (durably committed). */
  acceptedMs: number;
  /** From the recipient connecting until it has every blob and the server committed every ack. */
  deliveredMs: number;
  /** Until the online recipient has every relayed blob. */
  relayMs: number;
}

const DELIVERY_WINDOW = 64;

export async function benchMailbox(options: MailboxBenchOptions = {}): Promise<MailboxBenchResult> {
  const blobs = options.blobs ?? 5_000;
  const blobBytes = options.blobBytes ?? 330;
  const sendWindow = options.sendWindow ?? 256;
  const dataDir = await mkdtemp(join(tmpdir(), 'tincan-bench-'));
  const server = await createSignalServer({
    port: 0,
    host: '127.0.0.1',
    dataDir,
    // Rate limits off: this measures what the server can do, not what it lets one client do.
    limits: {
      ratePerSecond: 1e9,
      rateBurst: 1e9,
      sendRatePerSecond: 1e9,
      sendRateBurst: 1e9,
      mailboxMaxCount: blobs,
      deliveryWindow: DELIVERY_WINDOW,
    },
  });
  try {
    const [alice, bobKeys] = await Promise.all([TestClient.authenticated(server.url), generateIdentityKeys()]);
    const payloads = Array.from({ length: blobs }, () => randomBytes(blobBytes));

    const acceptedMs = await timed(() => sendAll(alice, bobKeys.id, payloads, sendWindow, 'mailbox'));

    let bob!: TestClient;
    const deliveredMs = await timed(async () => {
      bob = await TestClient.authenticated(server.url, { identity: bobKeys });
      await bob.receiveBlobs(blobs);
      // Acks are committed in order: once one for an unknown ID is answered, all before it are.
      const barrier = newMessageId();
      bob.ack(barrier);
      await bob.next((f) => f.t === 'error' && f.ref === barrier, 30_000);
    });

    const relayMs = await timed(() =>
      Promise.all([sendAll(alice, bobKeys.id, payloads, sendWindow, 'relay'), bob.receiveBlobs(blobs)]),
    );
    alice.close();
    bob.close();
    return { blobs, blobBytes, sendWindow, deliveryWindow: DELIVERY_WINDOW, acceptedMs, deliveredMs, relayMs };
  } finally {
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Blobs per second of each measurement. */
export function mailboxRates(r: MailboxBenchResult): { accepted: number; delivered: number; relay: number } {
  const rate = (ms: number): number => (r.blobs * 1000) / ms;
  return { accepted: rate(r.acceptedMs), delivered: rate(r.deliveredMs), relay: rate(r.relayMs) };
}

/** The comparable one-line summary. */
export function mailboxFigures(r: MailboxBenchResult): string {
  const rates = mailboxRates(r);
  return `mailbox accepted=${fmt(rates.accepted, 0)}/s delivered=${fmt(rates.delivered, 0)}/s relay=${fmt(rates.relay, 0)}/s`;
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

/** Sends every payload with at most `window` unanswered; each must be accepted `via`. */
async function sendAll(sender: TestClient, to: PeerId, payloads: Uint8Array[], window: number, via: 'relay' | 'mailbox'): Promise<void> {
  let next = 0;
  const sendOne = (): void => sender.sendBlob(to, newMessageId(), payloads[next++]!);
  while (next < Math.min(window, payloads.length)) sendOne();
  for (let answered = 0; answered < payloads.length; answered++) {
    const answer = await sender.next((f) => f.t === 'accepted' || f.t === 'error', 30_000);
    if (answer.t !== 'accepted' || answer.via !== via) throw new Error(`expected accepted via ${via}, got ${JSON.stringify(answer)}`);
    if (next < payloads.length) sendOne();
  }
}
