import { sodium, type Sodium } from './sodium.ts';
import { cryptoError } from './crypto-error.ts';
import { concatBytes, toBase64Url, utf8 } from '../protocol/encoding.ts';
import { peerIdToBytes, type PeerId } from '../protocol/ids.ts';

// Safety numbers: what two people compare (read aloud, or by scanning a QR code) to know that
// the keys their apps use are each other's, and not a server's. Signal's numeric fingerprint
// construction (libsignal NumericFingerprintGenerator), with Tincan's Ed25519 identity keys:
//
//   per side:  h = version (2 bytes, big-endian) || key (32 bytes) || ID (the peer ID, UTF-8;
//              here only the key's own spelling, kept so that the construction is Signal's)
//              repeat ITERATIONS times: h = SHA-512(h || key)
//              digits = the first 30 bytes of h as six 5-byte big-endian numbers, each mod 100000,
//                       written with 5 digits (30 digits)
//   number:    the two sides' 30 digits, the smaller string first, so both people see the same
//              60 digits (12 groups of 5) whichever of them is "local".
//
// The iterations make it costly to search for a key whose number matches a target's (about
// 2^112 work per side for a full match). The number changes when either key changes.

export const SAFETY_NUMBER_VERSION = 0;
export const SAFETY_NUMBER_ITERATIONS = 5200;
const CHUNKS_PER_SIDE = 6;
const CHUNK_BYTES = 5;
const FINGERPRINT_BYTES = 32;

/** The iterated SHA-512 of one side (64 bytes). */
function iteratedHash(s: Sodium, id: PeerId): Uint8Array {
  const key = peerIdToBytes(id);
  if (!key) throw cryptoError('bad_key');
  const version = new Uint8Array(2);
  new DataView(version.buffer).setUint16(0, SAFETY_NUMBER_VERSION);
  let hash = concatBytes(version, key, utf8(id));
  for (let i = 0; i < SAFETY_NUMBER_ITERATIONS; i++) hash = s.crypto_hash_sha512(concatBytes(hash, key));
  return hash;
}

function digitsOf(hash: Uint8Array): string {
  let out = '';
  for (let c = 0; c < CHUNKS_PER_SIDE; c++) {
    let value = 0;
    // 40 bits do not fit a 32-bit integer operation, but are exact in a double.
    for (let i = 0; i < CHUNK_BYTES; i++) value = value * 256 + hash[c * CHUNK_BYTES + i]!;
    out += String(value % 100_000).padStart(5, '0');
  }
  return out;
}

/** The safety number of a pair of identities, as 12 groups of 5 digits; the order of a and b does not matter. */
export async function safetyNumber(a: PeerId, b: PeerId): Promise<string[]> {
  const s = await sodium();
  const sides = [digitsOf(iteratedHash(s, a)), digitsOf(iteratedHash(s, b))].sort();
  return (sides[0]! + sides[1]!).match(/\d{5}/g)!;
}

/** The scannable form: a version tag, then my fingerprint and the contact's, base64url. */
export const SAFETY_QR_PREFIX = 'tincan-safety';
export const SAFETY_QR_VERSION = 1;

/**
 * What my verification screen shows as a QR code for `them` to scan: my side first. Each side is
 * the first 32 bytes of its iterated hash (as Signal's scannable fingerprint), so a scan checks
 * the full 256 bits rather than the 100 bits per side of the digits.
 */
export async function safetyQrPayload(me: PeerId, them: PeerId): Promise<string> {
  const s = await sodium();
  return [SAFETY_QR_PREFIX, SAFETY_QR_VERSION, qrFingerprint(s, me), qrFingerprint(s, them)].join(':');
}

const qrFingerprint = (s: Sodium, id: PeerId): string => toBase64Url(iteratedHash(s, id).subarray(0, FINGERPRINT_BYTES));

/**
 * - match: the payload was made by `them` for `me` with the keys this device has for both.
 * - mismatch: a well-formed payload for other keys (one of us has a different key for the
 *   other, or it is someone else's code): the user must not mark the contact verified.
 * - unknown_version / malformed: not something this version can compare.
 */
export type SafetyQrCheck = 'match' | 'mismatch' | 'unknown_version' | 'malformed';

const QR_PATTERN = /^([a-z-]+):(\d{1,6}):([A-Za-z0-9_-]{43}):([A-Za-z0-9_-]{43})$/;

/** Checks a scanned or uploaded payload, made on the contact's device, against this device's keys. */
export async function checkSafetyQrPayload(payload: string, me: PeerId, them: PeerId): Promise<SafetyQrCheck> {
  const match = QR_PATTERN.exec(payload.trim());
  if (!match || match[1] !== SAFETY_QR_PREFIX) return 'malformed';
  if (match[2] !== String(SAFETY_QR_VERSION)) return 'unknown_version';
  const s = await sodium();
  // Made on their device, the payload lists their fingerprint first.
  return match[3] === qrFingerprint(s, them) && match[4] === qrFingerprint(s, me) ? 'match' : 'mismatch';
}
