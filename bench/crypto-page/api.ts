// What the crypto-channel benchmark page (main.ts) puts on window, for bench/crypto-channel.ts,
// which drives two of these pages in two Chromium processes.

export interface FloodSpec {
  /**
   * false: each write is frame JSON as it is. true: each write is an envelope sealed with the
   * product's sealPlaintexts in a real session, opened with openEnvelope on the other side.
   */
  encrypted: boolean;
  /**
   * Frames per write (and per envelope). Several are packed as the product packs a burst for a
   * channel (packPeerFrames: a JSON array); one is a frame alone, as the product sends each
   * message through the server.
   */
  batch: number;
  /** Frames to send. */
  count: number;
  /** Characters of text in each message frame. */
  textSize: number;
}

export interface FloodSent {
  /** Clock (ms, wall clock with sub-ms precision) right before the first frame was encoded. */
  startedAt: number;
  /** Clock when the last write was handed to the channel. */
  writtenAt: number;
  /** Clock when the receiver's ack (it has decoded every frame) came back on the channel. */
  ackedAt: number;
  /** Bytes of frame JSON sent (the application's data). */
  frameBytes: number;
  /** Bytes written on the channel. */
  wireBytes: number;
  writes: number;
}

export interface FloodReceived {
  /** Clock when the last frame was decoded. */
  receivedAt: number;
  frames: number;
}

export interface PerOp {
  /** Operations timed. */
  ops: number;
  /** Mean µs per operation. */
  us: number;
}

export interface CryptoBenchPage {
  /** A new identity; with `publish`, also a signed and a one-time prekey, returned as a bundle. */
  createIdentity(publish: boolean): Promise<{ id: string; bundle: string | null }>;
  /** Initiator: X3DH from the contact's bundle; returns the first envelope (base64url). */
  startSession(peer: string, bundle: string): Promise<string>;
  /** Responder: opens the initial envelope; returns a reply envelope (base64url). */
  acceptSession(peer: string, initial: string): string;
  /** Initiator: opens the reply, which confirms the session (later envelopes drop the X3DH header). */
  confirmSession(reply: string): void;

  /** Offerer: a connection and its data channel; resolves with the SDP once ICE gathering is done. */
  offer(): Promise<string>;
  /** Answerer: takes the offer, resolves with the answer SDP (gathering done). */
  answer(offer: string): Promise<string>;
  /** Offerer: takes the answer; resolves once the channel is open. */
  accept(answer: string): Promise<void>;
  /** Answerer: resolves once the channel is open. */
  opened(): Promise<void>;

  /** Receiver: get ready for a flood. Throws if a previous one is still arriving. */
  expect(spec: FloodSpec): void;
  /** Receiver: resolves when the expected flood has fully arrived; rejects on a bad frame or after `timeoutMs`. */
  received(timeoutMs: number): Promise<FloodReceived>;
  /**
   * Sender: writes the frames, waiting on the channel's buffer (bufferedamountlow) as needed, and
   * resolves when the receiver's ack is back; rejects with the receiver's error if it had one.
   */
  flood(spec: FloodSpec): Promise<FloodSent>;

  /** Sender, no channel: encodes (and seals, if encrypted) `count` frames; returns the writes for openTimed. */
  sealTimed(spec: FloodSpec): { perOp: PerOp; envelopes: string[] };
  /** Receiver, no channel: decodes (and opens) what sealTimed made, in order. */
  openTimed(spec: FloodSpec, envelopes: string[]): PerOp;
}

export type CryptoBenchWindow = Window & { __cryptoBench?: CryptoBenchPage };
