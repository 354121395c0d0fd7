import type { LibsodiumModule, Pointer } from 'libsodium-sumo';
import type { Sodium } from './sodium.ts';

// XChaCha20-Poly1305 (IETF) between the caller's buffers and libsodium's memory, without the
// wrapper's intermediate arrays.
//
// libsodium-wrappers returns every result in a new array: on sealing, a ciphertext the ratchet
// then copied behind the envelope's prefix and the message header; on opening, a plaintext that
// was only ever decoded into a string. Writing memory that was never touched is what costs in a
// browser (page faults; on the benchmark machine about 50 µs per 16 KiB, more than the cipher
// itself). So sealing writes the ciphertext straight into the envelope, allocated once, and
// opening lets the caller read the plaintext where libsodium wrote it.
//
// These call the C functions the wrapper calls (crypto_aead_xchacha20poly1305_ietf_encrypt and
// _decrypt) through the Emscripten module the wrapper exposes as `libsodium`, with the same
// arguments (a 64-bit length passed as two 32-bit halves, as the wrapper passes it). aead.test.ts
// checks them against the wrapper's functions.

export const AEAD_TAG_BYTES = 16;
const KEY_BYTES = 32;
const NONCE_BYTES = 24;

/** Where the inputs and the output of one call lie in libsodium's memory. */
interface Layout {
  k: Pointer;
  npub: Pointer;
  ad: Pointer;
  input: Pointer;
  output: Pointer;
  end: Pointer;
}

/**
 * Copies key, nonce, associated data and input into one allocation with room for the output,
 * runs `call`, and wipes and frees the allocation, so that no key or plaintext stays behind in
 * libsodium's memory. `call` gets the module and the layout; HEAPU8 is read after the allocation,
 * since growing the memory replaces it.
 */
function inSodiumMemory<T>(
  s: Sodium,
  key: Uint8Array,
  nonce: Uint8Array,
  ad: Uint8Array,
  input: Uint8Array,
  outputBytes: number,
  call: (lib: LibsodiumModule, at: Layout) => T,
): T {
  if (key.length !== KEY_BYTES || nonce.length !== NONCE_BYTES) throw new Error('aead: invalid key or nonce length');
  const lib = (s as unknown as { libsodium: LibsodiumModule }).libsodium;
  const size = KEY_BYTES + NONCE_BYTES + ad.length + input.length + outputBytes;
  const base = lib._malloc(size);
  if (base === 0) throw new Error('aead: out of memory');
  const at: Layout = { k: base, npub: base + KEY_BYTES, ad: base + KEY_BYTES + NONCE_BYTES, input: 0, output: 0, end: base + size };
  at.input = at.ad + ad.length;
  at.output = at.input + input.length;
  try {
    const heap = lib.HEAPU8;
    heap.set(key, at.k);
    heap.set(nonce, at.npub);
    heap.set(ad, at.ad);
    heap.set(input, at.input);
    return call(lib, at);
  } finally {
    lib.HEAPU8.fill(0, base, at.end);
    lib._free(base);
  }
}

/**
 * Encrypts `plaintext` with associated data `ad` and writes ciphertext || tag into `out` at
 * `offset` (plaintext.length + AEAD_TAG_BYTES bytes). Throws on a wrong key or nonce length, or
 * if `out` is too short; then nothing is written.
 */
export function sealInto(s: Sodium, out: Uint8Array, offset: number, plaintext: Uint8Array, ad: Uint8Array, nonce: Uint8Array, key: Uint8Array): void {
  const sealedBytes = plaintext.length + AEAD_TAG_BYTES;
  if (offset < 0 || offset + sealedBytes > out.length) throw new Error('aead: output too short');
  inSodiumMemory(s, key, nonce, ad, plaintext, sealedBytes, (lib, at) => {
    const result = lib._crypto_aead_xchacha20poly1305_ietf_encrypt(at.output, 0, at.input, plaintext.length, 0, at.ad, ad.length, 0, 0, at.npub, at.k);
    if (result !== 0) throw new Error('aead: encryption failed');
    out.set(lib.HEAPU8.subarray(at.output, at.end), offset);
  });
}

/**
 * Decrypts ciphertext || tag and hands the plaintext to `read`, as a view of libsodium's memory
 * that is valid only during the call (it is wiped afterwards, and any further libsodium call may
 * reuse it): `read` must copy or decode what it needs and keep no reference. Returns what `read`
 * returns, or null when the ciphertext does not verify (then `read` is not called).
 */
export function openWith<T>(s: Sodium, ciphertext: Uint8Array, ad: Uint8Array, nonce: Uint8Array, key: Uint8Array, read: (plaintext: Uint8Array) => T): { value: T } | null {
  if (ciphertext.length < AEAD_TAG_BYTES) return null;
  const plaintextBytes = ciphertext.length - AEAD_TAG_BYTES;
  return inSodiumMemory(s, key, nonce, ad, ciphertext, plaintextBytes, (lib, at) => {
    const result = lib._crypto_aead_xchacha20poly1305_ietf_decrypt(at.output, 0, 0, at.input, ciphertext.length, 0, at.ad, ad.length, 0, at.npub, at.k);
    if (result !== 0) return null;
    return { value: read(lib.HEAPU8.subarray(at.output, at.end)) };
  });
}
