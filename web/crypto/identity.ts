import { sodium } from './sodium.ts';
import { fromBase64Url, toBase64Url } from '../protocol/encoding.ts';
import { peerIdToBytes, type PeerId } from '../protocol/ids.ts';

/** The user's long-term Ed25519 key pair. The secret key stays on the device. */
export interface IdentityKeys {
  id: PeerId;
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}

export async function generateIdentityKeys(): Promise<IdentityKeys> {
  const s = await sodium();
  const { publicKey, privateKey } = s.crypto_sign_keypair();
  return { id: toBase64Url(publicKey), publicKey, secretKey: privateKey };
}

/** Detached Ed25519 signature, base64url. */
export async function sign(keys: IdentityKeys, message: Uint8Array): Promise<string> {
  const s = await sodium();
  return toBase64Url(s.crypto_sign_detached(message, keys.secretKey));
}

/**
 * Verifies a base64url Ed25519 signature by the key behind `signer`. Any malformed input is
 * simply "not verified"; this never throws.
 */
export async function verify(signer: PeerId, message: Uint8Array, signature: string): Promise<boolean> {
  const s = await sodium();
  const publicKey = peerIdToBytes(signer);
  const sig = fromBase64Url(signature);
  if (!publicKey || !sig || sig.length !== s.crypto_sign_BYTES) return false;
  try {
    return s.crypto_sign_verify_detached(sig, message, publicKey);
  } catch {
    return false;
  }
}

/**
 * Whether the text is a peer ID whose key is a usable Ed25519 point. The regex in ids.ts checks
 * the spelling; this also rejects 32-byte strings that are not valid public keys.
 */
export async function isValidPeerKey(id: string): Promise<boolean> {
  const s = await sodium();
  const bytes = peerIdToBytes(id);
  if (!bytes) return false;
  try {
    s.crypto_sign_ed25519_pk_to_curve25519(bytes);
    return true;
  } catch {
    return false;
  }
}
