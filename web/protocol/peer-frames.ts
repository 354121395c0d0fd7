import * as v from 'valibot';
import { concatBytes, fromUtf8, utf8 } from './encoding.ts';
import { isPeerId, isRandomId, type PeerId } from './ids.ts';
import { MESSAGE_LIMITS } from './limits.ts';

// What travels inside an envelope between two peers: one frame, as JSON. Sender and recipient
// are not repeated inside: the session's associated data binds both identity keys, and each
// direction has its own chain, so a message reflected back to its sender does not decrypt.

const MessageId = v.custom<string>(isRandomId, 'id must be a 128-bit base64url ID');

const MessageFrame = v.object({
  t: v.literal('message'),
  id: MessageId,
  /** Sender's per-conversation sequence number, starting at 1: lets the receiver see gaps. */
  seq: v.pipe(v.number(), v.integer(), v.minValue(1)),
  /** Sender's clock when the message was written (ms since epoch); shown, never trusted for order. */
  ts: v.pipe(v.number(), v.integer(), v.minValue(0)),
  text: v.pipe(v.string(), v.minLength(1), v.maxLength(MESSAGE_LIMITS.maxTextLength)),
});

const ReceiptFrame = v.object({
  t: v.literal('receipt'),
  status: v.picklist(['delivered', 'read']),
  ids: v.pipe(v.array(MessageId), v.minLength(1), v.maxLength(MESSAGE_LIMITS.maxReceiptIds)),
});

/** The sender's self-asserted display name: a label, never identity. */
const ProfileFrame = v.object({
  t: v.literal('profile'),
  name: v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(MESSAGE_LIMITS.maxNameLength)),
});

const SeqNumber = v.pipe(v.number(), v.integer(), v.minValue(0));

/**
 * What I hold from you: every message of yours up to `have` (so resend what is above it), and
 * `last`, the highest sequence number I have used myself (so you can see what you lack).
 */
const SyncFrame = v.object({ t: v.literal('sync'), have: SeqNumber, last: SeqNumber });

/**
 * The sender is writing to us right now. Ephemeral: only sent over an open data channel, never
 * stored, and shown for a few seconds (CLIENT_TIMING.typingShownMs) unless another one comes.
 */
const TypingFrame = v.object({ t: v.literal('typing') });

const PeerFrameSchema = v.variant('t', [MessageFrame, ReceiptFrame, ProfileFrame, SyncFrame, TypingFrame]);
export type PeerFrame = v.InferOutput<typeof PeerFrameSchema>;
export type MessagePeerFrame = v.InferOutput<typeof MessageFrame>;
export type ReceiptPeerFrame = v.InferOutput<typeof ReceiptFrame>;

/** A parsed JSON value as a frame, or null when it is not exactly a known frame. */
function frameOf(value: unknown): PeerFrame | null {
  const result = v.safeParse(PeerFrameSchema, value);
  return result.success ? result.output : null;
}

/**
 * Several frames may share one envelope (a JSON array of them): a burst for an open channel, such
 * as the outbox catching up, then costs one ratchet step, one AEAD and one channel message per
 * pack rather than per frame. A pack stays small enough that one lost in flight costs little to
 * send again, and a frame bigger than `bytes` travels alone.
 */
export const FRAME_PACK_LIMITS = { frames: 64, bytes: 16 * 1024 } as const;

/**
 * Parses a decrypted plaintext: one frame (a JSON object) or a pack (an array of 1 to
 * FRAME_PACK_LIMITS.frames frames). Null unless every element is exactly a known frame: the
 * envelope was authentic, so a bad one means a broken sender, and nothing of it is trusted.
 */
export function parsePeerFrames(json: string): PeerFrame[] | null {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return null;
  }
  if (!Array.isArray(value)) {
    const frame = frameOf(value);
    return frame ? [frame] : null;
  }
  if (value.length === 0 || value.length > FRAME_PACK_LIMITS.frames) return null;
  const frames: PeerFrame[] = [];
  for (const item of value) {
    const frame = frameOf(item);
    if (!frame) return null;
    frames.push(frame);
  }
  return frames;
}

/** A frame as the plaintext of an envelope: its JSON in UTF-8. */
export const encodePeerFrame = (frame: PeerFrame): Uint8Array => utf8(JSON.stringify(frame));

const OPEN = utf8('[');
const COMMA = utf8(',');
const CLOSE = utf8(']');

/**
 * Frames as envelope plaintexts, in order, packed within FRAME_PACK_LIMITS: a run of frames
 * becomes one JSON array, a frame on its own stays its JSON object.
 */
export function packPeerFrames(frames: PeerFrame[]): Uint8Array[] {
  const plaintexts: Uint8Array[] = [];
  let pack: Uint8Array[] = [];
  let bytes = 0;
  const flush = (): void => {
    if (pack.length === 1) plaintexts.push(pack[0]!);
    else if (pack.length > 1) plaintexts.push(concatBytes(OPEN, ...pack.flatMap((f, i) => (i === 0 ? [f] : [COMMA, f])), CLOSE));
    pack = [];
    bytes = 0;
  };
  for (const frame of frames) {
    const encoded = encodePeerFrame(frame);
    if (pack.length === FRAME_PACK_LIMITS.frames || (pack.length > 0 && bytes + encoded.length + 1 > FRAME_PACK_LIMITS.bytes)) flush();
    pack.push(encoded);
    bytes += encoded.length + 1;
  }
  flush();
  return plaintexts;
}

/** A decrypted plaintext as frames; null for malformed UTF-8 or anything parsePeerFrames refuses. */
export function decodePeerFrames(plaintext: Uint8Array): PeerFrame[] | null {
  const text = fromUtf8(plaintext);
  return text === null ? null : parsePeerFrames(text);
}
