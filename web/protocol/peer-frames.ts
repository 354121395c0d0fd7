import * as v from 'valibot';
import { fromUtf8, utf8 } from './encoding.ts';
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

/** Parses a decrypted plaintext. Returns null for anything that is not exactly a known frame. */
export function parsePeerFrame(json: string): PeerFrame | null {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return null;
  }
  const result = v.safeParse(PeerFrameSchema, value);
  return result.success ? result.output : null;
}

/** A frame as the plaintext of an envelope: its JSON in UTF-8. */
export const encodePeerFrame = (frame: PeerFrame): Uint8Array => utf8(JSON.stringify(frame));

/** A decrypted plaintext as a frame; null for malformed UTF-8 or anything parsePeerFrame refuses. */
export function decodePeerFrame(plaintext: Uint8Array): PeerFrame | null {
  const text = fromUtf8(plaintext);
  return text === null ? null : parsePeerFrame(text);
}
