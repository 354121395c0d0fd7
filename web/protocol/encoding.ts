// Byte and text helpers shared by the browser and the server. Pure functions, no DOM or Node APIs,
// so that both sides encode identifiers byte-for-byte the same way.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
// Session state keeps its keys as base64url (web/crypto/ratchet.ts), so every message decodes and
// encodes a few of them: both directions are table-driven, and encoding writes character codes
// into one reused buffer and makes the string in one step, rather than growing it piece by piece
// (which, for a 32-byte key, left ten times its size in garbage). SEXTETS maps a character code
// below 128 to its 6-bit value, -1 outside the alphabet.
const CODES = Uint8Array.from(ALPHABET, (c) => c.charCodeAt(0));
const SEXTETS = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) SEXTETS[ALPHABET.charCodeAt(i)] = i;
/** Characters per String.fromCharCode call, well under any engine's limit on arguments. */
const CHUNK = 4096;
let codeScratch = new Uint8Array(64);

/** base64url without padding (RFC 4648 §5), the form every ID and signature takes on the wire. */
export function toBase64Url(bytes: Uint8Array): string {
  const length = Math.ceil((bytes.length * 4) / 3);
  if (codeScratch.length < length) codeScratch = new Uint8Array(length);
  const codes = codeScratch;
  let o = 0;
  let i = 0;
  for (; i + 2 < bytes.length; i += 3, o += 4) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    codes[o] = CODES[n >> 18]!;
    codes[o + 1] = CODES[(n >> 12) & 63]!;
    codes[o + 2] = CODES[(n >> 6) & 63]!;
    codes[o + 3] = CODES[n & 63]!;
  }
  if (bytes.length - i === 1) {
    codes[o] = CODES[bytes[i]! >> 2]!;
    codes[o + 1] = CODES[(bytes[i]! & 3) << 4]!;
  } else if (bytes.length - i === 2) {
    const n = (bytes[i]! << 8) | bytes[i + 1]!;
    codes[o] = CODES[n >> 10]!;
    codes[o + 1] = CODES[(n >> 4) & 63]!;
    codes[o + 2] = CODES[(n & 15) << 2]!;
  }
  let out = '';
  for (let k = 0; k < length; k += CHUNK) {
    out += String.fromCharCode.apply(null, codes.subarray(k, Math.min(length, k + CHUNK)) as unknown as number[]);
  }
  return out;
}

/** The 6-bit value of the character at `i`, or -1 if it is not in the alphabet. */
function sextet(text: string, i: number): number {
  const code = text.charCodeAt(i);
  return code < 128 ? SEXTETS[code]! : -1;
}

/**
 * Strict base64url decoding: rejects padding, foreign characters and non-canonical trailing bits,
 * so that one byte string has exactly one textual form (IDs are compared as strings).
 */
export function fromBase64Url(text: string): Uint8Array | null {
  const rest = text.length % 4;
  if (rest === 1) return null;
  const out = new Uint8Array((text.length * 3) >> 2);
  const whole = text.length - rest;
  let o = 0;
  for (let i = 0; i < whole; i += 4, o += 3) {
    const n = (sextet(text, i) << 18) | (sextet(text, i + 1) << 12) | (sextet(text, i + 2) << 6) | sextet(text, i + 3);
    if (n < 0) return null; // any -1 sets the sign bit
    out[o] = n >> 16;
    out[o + 1] = n >> 8;
    out[o + 2] = n;
  }
  if (rest === 2) {
    const n = (sextet(text, whole) << 6) | sextet(text, whole + 1);
    // 12 bits for one byte: the last 4 must be zero.
    if (n < 0 || (n & 15) !== 0) return null;
    out[o] = n >> 4;
  } else if (rest === 3) {
    const n = (sextet(text, whole) << 12) | (sextet(text, whole + 1) << 6) | sextet(text, whole + 2);
    // 18 bits for two bytes: the last 2 must be zero.
    if (n < 0 || (n & 3) !== 0) return null;
    out[o] = n >> 10;
    out[o + 1] = n >> 2;
  }
  return out;
}

/**
 * fromBase64Url that remembers its last input and answer, for text decoded message after message
 * (a session's AD, our current ratchet key). The bytes it returns are shared between calls: read
 * them, never write them.
 */
export function rememberingDecoder(): (text: string) => Uint8Array | null {
  let lastText: string | null = null;
  let lastBytes: Uint8Array | null = null;
  return (text) => {
    if (text !== lastText) {
      lastBytes = fromBase64Url(text);
      lastText = text;
    }
    return lastBytes;
  };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export const utf8 = (text: string): Uint8Array => encoder.encode(text);

/** Decodes UTF-8, returning null for malformed input instead of inserting replacement characters. */
export function fromUtf8(bytes: Uint8Array): string | null {
  try {
    return decoder.decode(bytes);
  } catch {
    return null;
  }
}

/** The bytes of every part, one after the other, in a new array. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
