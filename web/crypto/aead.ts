import type { Sodium } from './sodium.ts';

// XChaCha20-Poly1305 (IETF) sealing straight into the caller's buffer.
//
// libsodium-wrappers returns every ciphertext in a new array, which the ratchet then copied
// behind the envelope's prefix and the message header: two new buffers the size of the message,
// each written once. Writing memory that was never touched is what costs in a browser (page
// faults; on the benchmark machine about 50 µs per 16 KiB, more than the cipher itself), so the
// envelope is allocated once and the ciphertext is copied out of libsodium's memory into place.
//
// This calls the C function the wrapper calls, crypto_aead_xchacha20poly1305_ietf_encrypt,
// through the Emscripten module the wrapper exposes as `libsodium`, with the same arguments (a
// 64-bit length is passed as two 32-bit halves, as the wrapper passes it). aead.test.ts checks
// that the result is byte for byte the wrapper's.

/** The part of libsodium's Emscripten module used here; libsodium-wrappers exports it untyped. */
interface SodiumModule {
  HEAPU8: Uint8Array;
  _malloc(size: number): number;
  _free(pointer: number): void;
  _crypto_aead_xchacha20poly1305_ietf_encrypt(
    c: number,
    clenP: number,
    m: number,
    mlenLow: number,
    mlenHigh: number,
    ad: number,
    adlenLow: number,
    adlenHigh: number,
    nsec: number,
    npub: number,
    k: number,
  ): number;
}

export const AEAD_TAG_BYTES = 16;
const KEY_BYTES = 32;
const NONCE_BYTES = 24;

/**
 * Encrypts `plaintext` with associated data `ad` and writes ciphertext || tag into `out` at
 * `offset` (plaintext.length + AEAD_TAG_BYTES bytes). Throws on a wrong key or nonce length, or
 * if `out` is too short; then nothing is written.
 */
export function sealInto(s: Sodium, out: Uint8Array, offset: number, plaintext: Uint8Array, ad: Uint8Array, nonce: Uint8Array, key: Uint8Array): void {
  if (key.length !== KEY_BYTES || nonce.length !== NONCE_BYTES) throw new Error('aead: invalid key or nonce length');
  const sealedLength = plaintext.length + AEAD_TAG_BYTES;
  if (offset < 0 || offset + sealedLength > out.length) throw new Error('aead: output too short');
  const lib = (s as unknown as { libsodium: SodiumModule }).libsodium;
  // One allocation for everything: key, nonce, associated data, plaintext, then the output.
  const [k, npub, adAt, m] = [0, KEY_BYTES, KEY_BYTES + NONCE_BYTES, KEY_BYTES + NONCE_BYTES + ad.length];
  const c = m + plaintext.length;
  const size = c + sealedLength;
  const base = lib._malloc(size);
  if (base === 0) throw new Error('aead: out of memory');
  try {
    // HEAPU8 is read after _malloc: growing the memory replaces it.
    const heap = lib.HEAPU8;
    heap.set(key, base + k);
    heap.set(nonce, base + npub);
    heap.set(ad, base + adAt);
    heap.set(plaintext, base + m);
    const result = lib._crypto_aead_xchacha20poly1305_ietf_encrypt(base + c, 0, base + m, plaintext.length, 0, base + adAt, ad.length, 0, 0, base + npub, base + k);
    if (result !== 0) throw new Error('aead: encryption failed');
    out.set(heap.subarray(base + c, base + size), offset);
  } finally {
    // The key and the plaintext do not stay behind in libsodium's memory.
    lib.HEAPU8.fill(0, base, base + size);
    lib._free(base);
  }
}
