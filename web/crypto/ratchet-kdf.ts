import type { Sodium } from './sodium.ts';
import { hkdf, hmacSha256 } from './hkdf.ts';
import { utf8 } from '../protocol/encoding.ts';

// The Double Ratchet's KDFs, as the specification recommends them (section 5.2), and its
// ENCRYPT with XChaCha20-Poly1305 keyed by the message key itself (section 3.1) in place of
// HKDF + AES-256-CBC + HMAC.

/** HKDF info of the root chain: names the application, the purpose and the version. */
export const ROOT_KDF_INFO = 'Tincan ratchet root v1';

const MESSAGE_KEY_CONSTANT = new Uint8Array([0x01]);
const CHAIN_KEY_CONSTANT = new Uint8Array([0x02]);

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
 * The nonce of every message's AEAD, whose key is the message key mk itself. Section 3.1 of the
 * spec allows a constant nonce "because each message key is only used once": mk is a fresh
 * HMAC-SHA256 output of the chain, encrypts exactly one message, and is used for nothing else.
 * Envelope v2 derived a key and a nonce from mk with HKDF (three more HMACs per message, about
 * half of the cost of sealing a chat message); that bought no security, since anyone holding mk
 * (the skipped-key store holds it until the message arrives) could run the HKDF as well. The
 * state that decides whether a message key was used is the same either way: a key is used again
 * only if a sending state is used twice, which SessionCipher prevents by storing the next state
 * before an envelope leaves, and a receiving key is dropped once its message opened.
 */
export const MESSAGE_NONCE = new Uint8Array(24);
