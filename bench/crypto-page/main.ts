import { generateIdentityKeys, type IdentityKeys } from '../../web/crypto/identity.ts';
import type { PrekeyBundle } from '../../web/crypto/prekeys.ts';
import { randomId } from '../../web/crypto/random.ts';
import { openEnvelope, sealPlaintexts, startSession, withNewSession, type ResponderPrekeys, type SessionRow } from '../../web/crypto/session.ts';
import { fromBase64Url, toBase64Url } from '../../web/protocol/encoding.ts';
import { parseEnvelope } from '../../web/protocol/envelope.ts';
import type { PeerId } from '../../web/protocol/ids.ts';
import { MESSAGE_LIMITS } from '../../web/protocol/limits.ts';
import { decodePeerFrames, encodePeerFrame, packPeerFrames, type MessagePeerFrame, type PeerFrame } from '../../web/protocol/peer-frames.ts';
import { bundleOf, publishPrekeys, type PublishedPrekeys } from '../../tests/fixtures/sessions.ts';
import type { CryptoBenchPage, CryptoBenchWindow, FloodSpec, PerOp } from './api.ts';

// One side of the crypto-channel benchmark (bench/crypto-channel.ts), in a real Chromium page:
// a real X3DH-started session with the product's own code (web/crypto/session.ts) and a plain
// RTCDataChannel to the other side. Frames are encoded, sealed, opened and decoded exactly as
// SessionCipher does, except that the session row stays in memory: nothing is persisted here
// (IndexedDB is measured by the UI flood of bench/run.ts).

/**
 * Backpressure as the product's transport has it (simple-peer, web/net/peer-link.ts): write while
 * at most 64 KiB is buffered, then wait for `bufferedamountlow` at 64 KiB. The same in every
 * variant, and far below a flood's size, so every flood runs at the channel's steady pace.
 */
const HIGH_WATER = 64 * 1024;
const LOW_WATER = 64 * 1024;
const NO_PREKEYS: ResponderPrekeys = { signed: undefined, oneTime: undefined };
const FILLER = 'The quick brown fox jumps over the lazy dog, then naps in the sun. ';

/** Wall clock with sub-millisecond precision; one process's clock times each flood. */
const clock = (): number => performance.timeOrigin + performance.now();

let me: IdentityKeys | null = null;
let myPrekeys: PublishedPrekeys | null = null;
let row: SessionRow | null = null;
let peer: PeerId | null = null;
let pc: RTCPeerConnection | null = null;
let channel: RTCDataChannel | null = null;

const need = <T>(value: T | null, what: string): T => {
  if (value === null) throw new Error(`crypto bench: no ${what} yet`);
  return value;
};

function seal(plaintext: Uint8Array): Uint8Array {
  const sealed = sealPlaintexts(need(row, 'session'), [plaintext]);
  row = sealed.row;
  return sealed.envelopes[0]!;
}

/** Opens and decodes as SessionCipher.open does: the plaintext is decoded where it was decrypted. */
function openFrames(bytes: Uint8Array): PeerFrame[] {
  const envelope = parseEnvelope(bytes, MESSAGE_LIMITS.maxEnvelopeBytes);
  if (typeof envelope === 'string') throw new Error(`envelope: ${envelope}`);
  const opened = openEnvelope(need(me, 'identity'), need(peer, 'peer'), need(row, 'session'), envelope, NO_PREKEYS, Date.now(), decodePeerFrames);
  row = opened.row;
  if (!opened.plaintext) throw new Error('a write did not decode');
  return opened.plaintext;
}

/** Frames as one plaintext, packed as the product packs them for a channel (packPeerFrames). */
function packed(frames: PeerFrame[]): Uint8Array {
  if (frames.length === 1) return encodePeerFrame(frames[0]!);
  const [plaintext, ...more] = packPeerFrames(frames);
  if (more.length > 0) throw new Error(`crypto bench: ${frames.length} frames do not fit one pack`);
  return plaintext!;
}

function unpacked(plaintext: Uint8Array): PeerFrame[] {
  const frames = decodePeerFrames(plaintext);
  if (!frames) throw new Error('a write did not decode');
  return frames;
}

/** What one write carries, from the frames it holds, encoded as the product does. */
function encoder({ encrypted }: FloodSpec): (frames: PeerFrame[]) => Uint8Array {
  return encrypted ? (frames) => seal(packed(frames)) : packed;
}

/** The frames in one write, decoded and validated as SessionCipher.open does. */
function decoder({ encrypted }: FloodSpec): (bytes: Uint8Array) => PeerFrame[] {
  return encrypted ? openFrames : unpacked;
}

/** Message frames with sequence numbers from 1, as a composer makes them; built before any timing. */
function messageFrames(count: number, textSize: number): MessagePeerFrame[] {
  const filler = FILLER.repeat(Math.ceil(textSize / FILLER.length) + 1);
  return Array.from({ length: count }, (_, i) => {
    const head = `message ${i + 1}: `;
    return { t: 'message', id: randomId(), seq: i + 1, ts: Date.now(), text: head + filler.slice(0, textSize - head.length) };
  });
}

const groups = <T>(items: T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

// ---- WebRTC: one connection, one ordered reliable channel (as simple-peer opens it). ----

function gathered(connection: RTCPeerConnection): Promise<void> {
  if (connection.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    connection.addEventListener('icegatheringstatechange', () => {
      if (connection.iceGatheringState === 'complete') resolve();
    });
  });
}

let markOpen!: () => void;
/** Resolves once this page's channel (offered or answered) is open. */
const channelOpen = new Promise<void>((resolve) => (markOpen = resolve));

function useChannel(ch: RTCDataChannel): void {
  channel = ch;
  ch.binaryType = 'arraybuffer';
  if (ch.readyState === 'open') markOpen();
  else ch.addEventListener('open', () => markOpen(), { once: true });
  ch.addEventListener('message', (e: MessageEvent) => (typeof e.data === 'string' ? onAck(e.data) : onFrame(new Uint8Array(e.data as ArrayBuffer))));
  ch.addEventListener('close', () => {
    failIncoming(new Error('channel closed'));
    onAck('channel closed');
  });
}

// ---- Receiving: decode every write, check order, answer with one ack when all have come. ----

interface Incoming {
  spec: FloodSpec;
  decode: (bytes: Uint8Array) => PeerFrame[];
  frames: number;
  error: Error | null;
  done: Promise<{ receivedAt: number; frames: number }>;
  resolve(result: { receivedAt: number; frames: number }): void;
  reject(error: Error): void;
}
let incoming: Incoming | null = null;

function failIncoming(error: Error): void {
  if (!incoming || incoming.error) return;
  incoming.error = error;
  incoming.reject(error);
  channel?.send(`error: ${error.message}`);
}

function onFrame(bytes: Uint8Array): void {
  const pending = incoming;
  if (!pending) throw new Error('crypto bench: a write arrived with no flood expected');
  if (pending.error) return;
  try {
    for (const frame of pending.decode(bytes)) {
      if (frame.t !== 'message' || frame.seq !== ++pending.frames) throw new Error(`frame ${pending.frames} is out of order or not a message`);
    }
  } catch (error) {
    failIncoming(error instanceof Error ? error : new Error(String(error)));
    return;
  }
  if (pending.frames === pending.spec.count) {
    channel!.send('ok');
    incoming = null;
    pending.resolve({ receivedAt: clock(), frames: pending.frames });
  }
}

// ---- Sending: the ack from the receiver ends a flood, on the sender's clock. ----

let awaitingAck: ((text: string) => void) | null = null;

function onAck(text: string): void {
  const settle = awaitingAck;
  awaitingAck = null;
  settle?.(text);
}

function drained(ch: RTCDataChannel): Promise<void> {
  return new Promise((resolve) => ch.addEventListener('bufferedamountlow', () => resolve(), { once: true }));
}

function timed(run: () => number): PerOp & { units: number } {
  const t0 = performance.now();
  const units = run();
  return { ops: units, units, us: ((performance.now() - t0) * 1000) / units };
}

const api: CryptoBenchPage = {
  async createIdentity(publish) {
    me = await generateIdentityKeys();
    if (!publish) return { id: me.id, bundle: null };
    myPrekeys = await publishPrekeys(me);
    return { id: me.id, bundle: JSON.stringify(bundleOf(me, myPrekeys)) };
  },

  async startSession(contact, bundle) {
    peer = contact;
    const session = await startSession(need(me, 'identity'), contact, JSON.parse(bundle) as PrekeyBundle, Date.now());
    row = withNewSession(undefined, contact, session);
    return toBase64Url(seal(encodePeerFrame({ t: 'profile', name: 'Alice' })));
  },

  acceptSession(contact, initial) {
    peer = contact;
    const envelope = parseEnvelope(fromBase64Url(initial)!, MESSAGE_LIMITS.maxEnvelopeBytes);
    if (typeof envelope === 'string') throw new Error(`initial envelope: ${envelope}`);
    const prekeys = need(myPrekeys, 'prekeys');
    const opened = openEnvelope(need(me, 'identity'), contact, undefined, envelope, { signed: prekeys.signedPrekey, oneTime: prekeys.oneTimePrekey }, Date.now());
    row = opened.row;
    unpacked(opened.plaintext);
    return toBase64Url(seal(encodePeerFrame({ t: 'profile', name: 'Bob' })));
  },

  confirmSession(reply) {
    openFrames(fromBase64Url(reply)!);
    if (need(row, 'session').current.state.x3dh !== null) throw new Error('the session is still unconfirmed after a reply');
  },

  async offer() {
    pc = new RTCPeerConnection({ iceServers: [] });
    useChannel(pc.createDataChannel('bench'));
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    return pc.localDescription!.sdp;
  },

  async answer(offer) {
    pc = new RTCPeerConnection({ iceServers: [] });
    pc.ondatachannel = (e) => useChannel(e.channel);
    await pc.setRemoteDescription({ type: 'offer', sdp: offer });
    await pc.setLocalDescription(await pc.createAnswer());
    await gathered(pc);
    return pc.localDescription!.sdp;
  },

  async accept(answer) {
    await need(pc, 'connection').setRemoteDescription({ type: 'answer', sdp: answer });
    await channelOpen;
  },

  opened() {
    return channelOpen;
  },

  expect(spec) {
    if (incoming) throw new Error('crypto bench: the previous flood has not fully arrived');
    let resolve!: Incoming['resolve'];
    let reject!: Incoming['reject'];
    const done = new Promise<{ receivedAt: number; frames: number }>((res, rej) => ((resolve = res), (reject = rej)));
    done.catch(() => {}); // reported through received()
    incoming = { spec, decode: decoder(spec), frames: 0, error: null, done, resolve, reject };
  },

  received(timeoutMs) {
    const pending = incoming;
    if (!pending) return Promise.reject(new Error('crypto bench: no flood expected'));
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`${pending.frames}/${pending.spec.count} frames after ${timeoutMs} ms`)), timeoutMs),
    );
    return Promise.race([pending.done, timeout]);
  },

  async flood(spec) {
    const ch = need(channel, 'channel');
    const encode = encoder(spec);
    const writes = groups(messageFrames(spec.count, spec.textSize), spec.batch);
    const frameBytes = writes.flat().reduce((sum, frame) => sum + encodePeerFrame(frame).length, 0);
    const acked = new Promise<string>((resolve) => (awaitingAck = resolve));
    ch.bufferedAmountLowThreshold = LOW_WATER;
    let wireBytes = 0;
    const startedAt = clock();
    for (const frames of writes) {
      // Encoded (and sealed) before waiting for the channel, so that it is ready the moment the
      // channel drains: the product's outbox likewise seals a burst before the transport writes it.
      const bytes = encode(frames);
      if (ch.bufferedAmount > HIGH_WATER) await drained(ch);
      if (ch.readyState !== 'open') throw new Error('channel closed during the flood');
      ch.send(bytes as Uint8Array<ArrayBuffer>); // never a SharedArrayBuffer: made here or by libsodium
      wireBytes += bytes.length;
    }
    const writtenAt = clock();
    const ack = await acked;
    const ackedAt = clock();
    if (ack !== 'ok') throw new Error(`the receiver failed: ${ack}`);
    return { startedAt, writtenAt, ackedAt, frameBytes, wireBytes, writes: writes.length };
  },

  sealTimed(spec) {
    const writes = groups(messageFrames(spec.count, spec.textSize), spec.batch);
    const encode = encoder(spec);
    const out: Uint8Array[] = [];
    const perOp = timed(() => {
      for (const frames of writes) out.push(encode(frames));
      return spec.count;
    });
    return { perOp: { ops: perOp.ops, us: perOp.us }, envelopes: out.map(toBase64Url) };
  },

  openTimed(spec, envelopes) {
    const decode = decoder(spec);
    const writes = envelopes.map((text) => fromBase64Url(text)!);
    const perOp = timed(() => writes.reduce((frames, bytes) => frames + decode(bytes).length, 0));
    return { ops: perOp.ops, us: perOp.us };
  },
};

(window as CryptoBenchWindow).__cryptoBench = api;
