import type { Sodium } from './sodium.ts';
import { cryptoError } from './crypto-error.ts';
import { fromBase64Url, toBase64Url } from '../protocol/encoding.ts';
import { peerIdToBytes, type PeerId } from '../protocol/ids.ts';

// X25519 as X3DH and the Double Ratchet use it. Keys are stored and sent as base64url strings so
// that prekeys and session state are plain JSON; they become bytes only inside a computation.

export const KEY_BYTES = 32;

/** An X25519 key pair, base64url. */
export interface DhKeyPair {
  publicKey: string;
  privateKey: string;
}

export function generateDhKeyPair(s: Sodium): DhKeyPair {
  const { publicKey, privateKey } = s.crypto_box_keypair();
  return { publicKey: toBase64Url(publicKey), privateKey: toBase64Url(privateKey) };
}

/** The 32 bytes behind a base64url key; anything else is `bad_key`. */
export function decodeKey(text: string): Uint8Array {
  const bytes = typeof text === 'string' ? fromBase64Url(text) : null;
  if (!bytes || bytes.length !== KEY_BYTES) throw cryptoError('bad_key');
  return bytes;
}

/**
 * DH(private, public). libsodium refuses a low-order public key (the result would be all zeros
 * and known to anyone), which is `bad_key` here: a peer or server cannot force a known secret.
 */
export function dh(s: Sodium, privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  try {
    return s.crypto_scalarmult(privateKey, publicKey);
  } catch {
    throw cryptoError('bad_key');
  }
}

/**
 * The X25519 form of an Ed25519 identity (the birational map libsodium provides), so that one
 * identity key both signs (prekeys, SDP, server auth) and takes part in X3DH, as Signal's
 * XEdDSA arrangement does the other way round.
 */
export function identityDhPublicKey(s: Sodium, id: PeerId): Uint8Array {
  const edPublic = peerIdToBytes(id);
  if (!edPublic) throw cryptoError('bad_key');
  try {
    return s.crypto_sign_ed25519_pk_to_curve25519(edPublic);
  } catch {
    throw cryptoError('bad_key');
  }
}

export const identityDhPrivateKey = (s: Sodium, edSecretKey: Uint8Array): Uint8Array =>
  s.crypto_sign_ed25519_sk_to_curve25519(edSecretKey);
