// The end-to-end envelope: the only thing that crosses the data channel (and, later, the server
// relay and mailbox). Layout, version 1:
//
//   offset 0   1 byte   version (ENVELOPE_V1_BOX)
//   offset 1   24 bytes nonce (random)
//   offset 25  rest     crypto_box ciphertext (16-byte Poly1305 tag + JSON plaintext)
//
// Version 1 is the interim crypto_box construction; the Double Ratchet will take a new version
// number. Any other version byte is an error, never a reason to read the bytes as plaintext.

export const ENVELOPE_V1_BOX = 1;
export const NONCE_BYTES = 24;
export const TAG_BYTES = 16;
const HEADER_BYTES = 1 + NONCE_BYTES;

export type EnvelopeError = 'envelope_too_short' | 'envelope_unknown_version' | 'envelope_too_large';

export interface EnvelopeParts {
  version: number;
  nonce: Uint8Array;
  ciphertext: Uint8Array;
}

export function parseEnvelope(bytes: Uint8Array, maxBytes: number): EnvelopeParts | EnvelopeError {
  if (bytes.length > maxBytes) return 'envelope_too_large';
  if (bytes.length < HEADER_BYTES + TAG_BYTES) return 'envelope_too_short';
  const version = bytes[0]!;
  if (version !== ENVELOPE_V1_BOX) return 'envelope_unknown_version';
  return {
    version,
    nonce: bytes.subarray(1, HEADER_BYTES),
    ciphertext: bytes.subarray(HEADER_BYTES),
  };
}

export function buildEnvelope(version: number, nonce: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES + ciphertext.length);
  out[0] = version;
  out.set(nonce, 1);
  out.set(ciphertext, HEADER_BYTES);
  return out;
}
