import type { Sodium } from './sodium.ts';

// HKDF-SHA256 (RFC 5869), built on libsodium's HMAC-SHA256. libsodium has crypto_kdf_hkdf_sha256
// in C, but libsodium-wrappers 0.8 exports only its constants, not the functions; HKDF is two
// HMAC loops, so it is written here and checked against the RFC's test vectors.
//
// The keys that sessions use here are all 32 bytes (a salt of zeros, a root key, a pseudorandom
// key), the one length libsodium's one-shot crypto_auth_hmacsha256 takes; that call is the fast
// path (one trip into WebAssembly), and other key lengths go through init/update/final.

export const HASH_BYTES = 32;
/** RFC 5869 allows at most 255 blocks of output. */
const MAX_OUTPUT_BYTES = 255 * HASH_BYTES;

export function hmacSha256(s: Sodium, key: Uint8Array, message: Uint8Array): Uint8Array {
  if (key.length === s.crypto_auth_hmacsha256_KEYBYTES) return s.crypto_auth_hmacsha256(message, key);
  const state = s.crypto_auth_hmacsha256_init(key);
  s.crypto_auth_hmacsha256_update(state, message);
  return s.crypto_auth_hmacsha256_final(state);
}

/** HKDF-Extract: PRK = HMAC(salt, IKM). */
export function hkdfExtract(s: Sodium, salt: Uint8Array, ikm: Uint8Array): Uint8Array {
  return hmacSha256(s, salt, ikm);
}

/** HKDF-Expand: T(i) = HMAC(PRK, T(i-1) || info || i), concatenated and cut to `length`. */
export function hkdfExpand(s: Sodium, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 1 || length > MAX_OUTPUT_BYTES) {
    throw new RangeError(`HKDF output length must be 1..${MAX_OUTPUT_BYTES}`);
  }
  const out = new Uint8Array(length);
  let previous: Uint8Array = new Uint8Array(0);
  for (let block = 1, offset = 0; offset < length; block++, offset += HASH_BYTES) {
    const input = new Uint8Array(previous.length + info.length + 1);
    input.set(previous, 0);
    input.set(info, previous.length);
    input[input.length - 1] = block;
    previous = hmacSha256(s, prk, input);
    out.set(previous.subarray(0, Math.min(HASH_BYTES, length - offset)), offset);
  }
  return out;
}

/** HKDF-SHA256 in one call. For "no salt", pass 32 zero bytes (RFC 5869 §2.2). */
export function hkdf(s: Sodium, ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  return hkdfExpand(s, hkdfExtract(s, salt, ikm), info, length);
}
