import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { WebSocketServer } from 'ws';

// The baseline: what the same two browsers need for a first message and for bulk messages with
// nothing of Tincan in the way. Two plain RTCPeerConnections (no STUN/TURN, as the app on
// loopback) exchange offer, answer and trickled candidates through a bare relay that forwards
// every text message to the other socket.

export interface Relay {
  url: string;
  close(): Promise<void>;
}

export async function startRelay(): Promise<Relay> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(wss, 'listening');
  wss.on('connection', (socket) => {
    socket.on('message', (data, isBinary) => {
      if (isBinary) return;
      const text = data.toString();
      for (const other of wss.clients) if (other !== socket && other.readyState === other.OPEN) other.send(text);
    });
  });
  const { port } = wss.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close(() => resolve());
      }),
  };
}

/** In-page API of a baseline peer (window.__baseline). */
interface BaselinePeer {
  /** Sender: new connection + channel for `run`; sends each text as soon as the channel opens. */
  start(run: number, texts: string[]): void;
  /** Sender: new connection + channel for `run`; once open, writes `n` copies of `text` as fast as the buffer allows. Resolves with Date.now() of the first write. */
  flood(run: number, n: number, text: string): Promise<number>;
  /** Receiver: from now on, stamp Date.now() when the `count`-th message of `run` arrives. */
  expect(run: number, count: number): void;
  /** Receiver: that stamp (waits for it); rejects after `timeoutMs`. */
  arrived(run: number, timeoutMs: number): Promise<number>;
  close(run: number): void;
}

/** Page functions reach the peer through window: they are serialized, so they share no helper. */
type W = Window & { __baseline?: BaselinePeer };

/**
 * Runs in the page: connects to the relay and installs window.__baseline. Resolves once the
 * socket is open, so no connection time is counted later.
 */
export function installBaselinePeer(relayUrl: string): Promise<void> {
  type Signal =
    | { run: number; type: 'offer' | 'answer'; sdp: RTCSessionDescriptionInit }
    | { run: number; type: 'candidate'; candidate: RTCIceCandidateInit };
  const ws = new WebSocket(relayUrl);
  const post = (signal: Signal): void => ws.send(JSON.stringify(signal));
  const pcs = new Map<number, RTCPeerConnection>();
  const arrivals = new Map<number, { received: number; target: number; at: Promise<number>; resolve(at: number): void }>();

  /** A connection whose candidates leave only after its offer or answer, as a signaling client must. */
  const connection = (run: number) => {
    const pc = new RTCPeerConnection({ iceServers: [] });
    pcs.set(run, pc);
    let release!: () => void;
    const described = new Promise<void>((resolve) => (release = resolve));
    pc.onicecandidate = (e) => {
      if (!e.candidate) return;
      const candidate = e.candidate.toJSON();
      void described.then(() => post({ run, type: 'candidate', candidate }));
    };
    const sendDescription = (type: 'offer' | 'answer'): void => {
      post({ run, type, sdp: pc.localDescription!.toJSON() });
      release();
    };
    return { pc, sendDescription };
  };

  const arrive = (run: number): void => {
    const a = arrivals.get(run);
    if (a && ++a.received === a.target) a.resolve(Date.now());
  };

  const offer = async (run: number): Promise<RTCDataChannel> => {
    const { pc, sendDescription } = connection(run);
    const channel = pc.createDataChannel('bench');
    await pc.setLocalDescription(await pc.createOffer());
    sendDescription('offer');
    return channel;
  };

  // Signals of one run are handled one at a time, in order: a candidate waits for its
  // description. Runs do not wait for each other: an operation still queued on a connection
  // when it is closed never settles (WebRTC spec), and would hold up every later run.
  const inboxes = new Map<number, Promise<void>>();
  const handle = async (signal: Signal): Promise<void> => {
    if (signal.type === 'offer') {
      const { pc, sendDescription } = connection(signal.run);
      pc.ondatachannel = (e) => (e.channel.onmessage = () => arrive(signal.run));
      await pc.setRemoteDescription(signal.sdp);
      await pc.setLocalDescription(await pc.createAnswer());
      sendDescription('answer');
    } else if (signal.type === 'answer') {
      await pcs.get(signal.run)?.setRemoteDescription(signal.sdp);
    } else if (signal.type === 'candidate') {
      await pcs.get(signal.run)?.addIceCandidate(signal.candidate);
    }
  };
  ws.onmessage = (e: MessageEvent) => {
    const signal = JSON.parse(e.data as string) as Signal;
    const inbox = inboxes.get(signal.run) ?? Promise.resolve();
    inboxes.set(signal.run, inbox.then(() => handle(signal)).catch((error: unknown) => console.error('baseline signal', error)));
  };

  const api: BaselinePeer = {
    start(run, texts) {
      void offer(run).then((channel) => {
        channel.onopen = () => texts.forEach((t) => channel.send(t));
      });
    },
    async flood(run, n, text) {
      const channel = await offer(run);
      await new Promise((resolve) => (channel.onopen = resolve));
      channel.bufferedAmountLowThreshold = 256 * 1024;
      const startedAt = Date.now();
      for (let i = 0; i < n; i++) {
        if (channel.bufferedAmount > 1024 * 1024) await new Promise((resolve) => (channel.onbufferedamountlow = resolve));
        channel.send(text);
      }
      return startedAt;
    },
    expect(run, count) {
      let resolve!: (at: number) => void;
      const at = new Promise<number>((r) => (resolve = r));
      arrivals.set(run, { received: 0, target: count, at, resolve });
    },
    arrived(run, timeoutMs) {
      const a = arrivals.get(run);
      if (!a) return Promise.reject(new Error(`run ${run} was not expected`));
      const timeout = new Promise<number>((_, reject) =>
        setTimeout(() => reject(new Error(`run ${run}: ${a.received}/${a.target} messages after ${timeoutMs} ms`)), timeoutMs),
      );
      return Promise.race([a.at, timeout]);
    },
    close(run) {
      pcs.get(run)?.close();
      pcs.delete(run);
      arrivals.delete(run);
      inboxes.delete(run);
    },
  };
  (window as W).__baseline = api;
  return new Promise((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error(`cannot reach the relay at ${relayUrl}`));
  });
}

/** The two pages of the baseline, each connected to the relay. */
export interface BaselinePair {
  sender: Page;
  receiver: Page;
}

/**
 * One first message: t0 in Node right before the sender is told to connect and send "hi";
 * the result is the receiver's Date.now() at its arrival minus t0.
 */
export async function baselineFirstMessage({ sender, receiver }: BaselinePair, run: number): Promise<{ t0: number; received: number }> {
  await receiver.evaluate(([r]) => (window as W).__baseline!.expect(r, 1), [run] as const);
  const t0 = Date.now();
  await sender.evaluate(([r]) => (window as W).__baseline!.start(r, ['hi']), [run] as const);
  const received = await receiver.evaluate(([r]) => (window as W).__baseline!.arrived(r, 15_000), [run] as const);
  await Promise.all([sender, receiver].map((page) => page.evaluate(([r]) => (window as W).__baseline!.close(r), [run] as const)));
  return { t0, received };
}

/** `n` messages of `text` over a fresh raw channel: from the first write until the n-th arrives. */
export async function baselineFlood({ sender, receiver }: BaselinePair, run: number, n: number, text: string): Promise<{ ms: number }> {
  await receiver.evaluate(([r, count]) => (window as W).__baseline!.expect(r, count), [run, n] as const);
  const startedAt = await sender.evaluate(([r, count, t]) => (window as W).__baseline!.flood(r, count, t), [run, n, text] as const);
  const received = await receiver.evaluate(([r]) => (window as W).__baseline!.arrived(r, 60_000), [run] as const);
  await Promise.all([sender, receiver].map((page) => page.evaluate(([r]) => (window as W).__baseline!.close(r), [run] as const)));
  return { ms: received - startedAt };
}
