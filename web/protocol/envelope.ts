import { isPeerId, peerIdToBytes, type PeerId } from './ids.ts';
import { concatBytes, toBase64Url } from './encoding.ts';

// The end-to-end envelope: the only thing that crosses a data channel, the server relay or the
// mailbox, so the receiver checks the same bytes whichever path they took. Version 3, a Double
// Ratchet message (web/crypto/ratchet.ts):
//
//   offset 0   1 byte    version (ENVELOPE_VERSION)
//   offset 1   1 byte    type: ENVELOPE_TYPE.message, or ENVELOPE_TYPE.initial
//   initial only:
//   offset 2   32 bytes  the initiator's identity key (its peer ID)
//   offset 34  32 bytes  the initiator's X3DH ephemeral key
//   offset 66  4 bytes   the responder's signed prekey ID (big-endian)
//   offset 70  4 bytes   the responder's one-time prekey ID, 0 when none was used
//   then       rest      the ratchet message: 40-byte header, ciphertext, 16-byte tag
//
// Everything before the ratchet message (the "prefix") is authenticated as associated data of
// the message's AEAD, so a changed version, type or X3DH header fails the check. Version 1 (the
// interim crypto_box) and version 2 (the same layout, with the AEAD key and nonce derived from
// the message key by HKDF: see MESSAGE_NONCE in web/crypto/ratchet-kdf.ts) are gone: they and
// every other version byte are an error, never plaintext.

export const ENVELOPE_VERSION = 3;
export const ENVELOPE_TYPE = { message: 1, initial: 2 } as const;

const KEY_BYTES = 32;
const PREFIX_BYTES = 2;
const INITIAL_PREFIX_BYTES = PREFIX_BYTES + 2 * KEY_BYTES + 4 + 4;
/** The ratchet header (32-byte key, PN, N) and the AEAD tag: no ratchet message is shorter. */
const MIN_RATCHET_BYTES = KEY_BYTES + 4 + 4 + 16;

/** The X3DH header of an initial message: who started the session, and with which prekeys. */
export interface InitialHeader {
  identityKey: PeerId;
  ephemeralKey: string;
  signedPrekeyId: number;
  /** null when the responder had no one-time prekey left. */
  oneTimePrekeyId: number | null;
}

export type EnvelopeError = 'envelope_too_short' | 'envelope_unknown_version' | 'envelope_unknown_type' | 'envelope_too_large' | 'envelope_bad_header';

export interface Envelope {
  /** The X3DH header when this is an initial message, else null. */
  initial: InitialHeader | null;
  /** The bytes before the ratchet message: bound to it as associated data. */
  prefix: Uint8Array;
  ratchetMessage: Uint8Array;
}

export function parseEnvelope(bytes: Uint8Array, maxBytes: number): Envelope | EnvelopeError {
  if (bytes.length > maxBytes) return 'envelope_too_large';
  if (bytes.length < PREFIX_BYTES) return 'envelope_too_short';
  if (bytes[0] !== ENVELOPE_VERSION) return 'envelope_unknown_version';
  const type = bytes[1];
  if (type !== ENVELOPE_TYPE.message && type !== ENVELOPE_TYPE.initial) return 'envelope_unknown_type';
  const prefixBytes = type === ENVELOPE_TYPE.initial ? INITIAL_PREFIX_BYTES : PREFIX_BYTES;
  if (bytes.length < prefixBytes + MIN_RATCHET_BYTES) return 'envelope_too_short';
  let initial: InitialHeader | null = null;
  if (type === ENVELOPE_TYPE.initial) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const signedPrekeyId = view.getUint32(66);
    const oneTimePrekeyId = view.getUint32(70);
    // Prekey IDs start at 1 (web/crypto/prekeys.ts): a signed prekey ID of 0 names nothing.
    if (signedPrekeyId === 0) return 'envelope_bad_header';
    initial = {
      identityKey: toBase64Url(bytes.subarray(2, 34)) as PeerId,
      ephemeralKey: toBase64Url(bytes.subarray(34, 66)),
      signedPrekeyId,
      oneTimePrekeyId: oneTimePrekeyId === 0 ? null : oneTimePrekeyId,
    };
  }
  return { initial, prefix: bytes.subarray(0, prefixBytes), ratchetMessage: bytes.subarray(prefixBytes) };
}

/** The prefix for a new envelope: what the sender binds to the ratchet message before sealing. */
export function envelopePrefix(initial: InitialHeader | null): Uint8Array {
  if (!initial) return Uint8Array.of(ENVELOPE_VERSION, ENVELOPE_TYPE.message);
  const identity = peerIdToBytes(initial.identityKey);
  const ephemeral = isPeerId(initial.ephemeralKey) ? peerIdToBytes(initial.ephemeralKey) : null;
  if (!identity || !ephemeral) throw new Error('envelope: an X3DH header key is not a 32-byte key');
  const ids = new Uint8Array(8);
  const view = new DataView(ids.buffer);
  view.setUint32(0, initial.signedPrekeyId);
  view.setUint32(4, initial.oneTimePrekeyId ?? 0);
  return concatBytes(Uint8Array.of(ENVELOPE_VERSION, ENVELOPE_TYPE.initial), identity, ephemeral, ids);
}
