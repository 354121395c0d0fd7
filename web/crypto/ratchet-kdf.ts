import type { Sodium } from './sodium.ts';
import { hkdf, hmacSha256 } from './hkdf.ts';
import { utf8 } from '../protocol/encoding.ts';

// The Double Ratchet's three KDFs, as the specification recommends them (section 5.2), with
// XChaCha20-Poly1305 in place of AES-256-CBC + HMAC.

/** HKDF info of the root chain: names the application, the purpose and the version. */
export const ROOT_KDF_INFO = 'Tincan ratchet root v1';
/** HKDF info that turns a message key into an AEAD key and nonce. */
export const MESSAGE_KDF_INFO = 'Tincan message key v1';

const ZERO_SALT = new Uint8Array(32);
const MESSAGE_KEY_CONSTANT = new Uint8Array([0x01]);
const CHAIN_KEY_CONSTANT = new Uint8Array([0x02]);
const AEAD_KEY_BYTES = 32;
const AEAD_NONCE_BYTES = 24;

/** KDF_RK: HKDF-SHA256 with the root key as salt and the DH output as input → (RK, CK). */
export function kdfRoot(s: Sodium, rootKey: Uint8Array, dhOutput: Uint8Array): { rootKey: Uint8Array; chainKey: Uint8Array } {
  const out = hkdf(s, dhOutput, rootKey, utf8(ROOT_KDF_INFO), 64);
  return { rootKey: out.slice(0, 32), chainKey: out.slice(32) };
}

/** KDF_CK: HMAC-SHA256 keyed by the chain key, input 0x01 for the message key, 0x02 for the next chain key. */
export function kdfChain(s: Sodium, chainKey: Uint8Array): { chainKey: Uint8Array; messageKey: Uint8Array } {
  return {
    chainKey: hmacSha256(s, chainKey, CHAIN_KEY_CONSTANT),
    messageKey: hmacSha256(s, chainKey, MESSAGE_KEY_CONSTANT),
  };
}

/**
 * The AEAD key and nonce for one message key: HKDF-SHA256(mk, zero salt, info) → 32 + 24 bytes.
 * A message key encrypts exactly one message, so a nonce derived from it never repeats under its
 * key, and none has to be sent; deriving the key too (rather than using mk as is) keeps mk, which
 * is what the skipped-key store holds, one step away from the cipher, as the spec's ENCRYPT does.
 */
export function messageCipherKeys(s: Sodium, messageKey: Uint8Array): { key: Uint8Array; nonce: Uint8Array } {
  const out = hkdf(s, messageKey, ZERO_SALT, utf8(MESSAGE_KDF_INFO), AEAD_KEY_BYTES + AEAD_NONCE_BYTES);
  return { key: out.slice(0, AEAD_KEY_BYTES), nonce: out.slice(AEAD_KEY_BYTES) };
}
