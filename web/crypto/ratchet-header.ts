import { cryptoError } from './crypto-error.ts';
import { KEY_BYTES } from './x25519.ts';
import { rememberingDecoder, toBase64Url } from '../protocol/encoding.ts';

// The Double Ratchet header and the message it heads. Fixed layout, so that "the header" is one
// exact byte string both sides authenticate (it is associated data of the message's AEAD):
//
//   offset 0   32 bytes  DH: the sender's current ratchet public key (X25519)
//   offset 32  4 bytes   PN: number of messages in the sender's previous sending chain (big-endian)
//   offset 36  4 bytes   N:  this message's number in the current sending chain (big-endian)
//   offset 40  rest      XChaCha20-Poly1305 ciphertext (plaintext + 16-byte tag)
//
// The header travels in clear: the server sees when a ratchet step happens and message counts.

export const HEADER_BYTES = KEY_BYTES + 4 + 4;
const TAG_BYTES = 16;

export interface RatchetHeader {
  /** base64url X25519 public key. */
  dh: string;
  pn: number;
  n: number;
}

/** A sender's ratchet key stays the same for a whole sending chain. */
const decodeDh = rememberingDecoder();

export function encodeHeader(header: RatchetHeader): Uint8Array {
  const dh = decodeDh(header.dh);
  if (!dh || dh.length !== KEY_BYTES) throw cryptoError('bad_key');
  const out = new Uint8Array(HEADER_BYTES);
  out.set(dh, 0);
  const view = new DataView(out.buffer);
  view.setUint32(KEY_BYTES, header.pn);
  view.setUint32(KEY_BYTES + 4, header.n);
  return out;
}

/** Splits a ratchet message into its header and ciphertext; too short to hold both is `bad_header`. */
export function splitMessage(message: Uint8Array): { header: RatchetHeader; headerBytes: Uint8Array; ciphertext: Uint8Array } {
  if (message.length < HEADER_BYTES + TAG_BYTES) throw cryptoError('bad_header');
  const headerBytes = message.subarray(0, HEADER_BYTES);
  const view = new DataView(message.buffer, message.byteOffset, HEADER_BYTES);
  return {
    header: {
      dh: toBase64Url(headerBytes.subarray(0, KEY_BYTES)),
      pn: view.getUint32(KEY_BYTES),
      n: view.getUint32(KEY_BYTES + 4),
    },
    headerBytes,
    ciphertext: message.subarray(HEADER_BYTES),
  };
}
