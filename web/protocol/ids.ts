import { fromBase64Url } from './encoding.ts';

/** A peer ID is the user's Ed25519 public key (32 bytes) in base64url: always 43 characters. */
export const PEER_ID_LENGTH = 43;

// Message IDs and signaling session IDs are 128 random bits (22 characters); signatures are
// 64 bytes (86 characters). The last character of an encoded value carries only 2 or 4 bits, so
// only some characters are canonical there; requiring them keeps one spelling per key.
const PEER_ID_PATTERN = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;
const RANDOM_ID_PATTERN = /^[A-Za-z0-9_-]{21}[AQgw]$/;
const SIGNATURE_PATTERN = /^[A-Za-z0-9_-]{85}[AQgw]$/;

export type PeerId = string;

export const isPeerId = (value: unknown): value is PeerId =>
  typeof value === 'string' && PEER_ID_PATTERN.test(value);

export const isRandomId = (value: unknown): value is string =>
  typeof value === 'string' && RANDOM_ID_PATTERN.test(value);

export const isSignature = (value: unknown): value is string =>
  typeof value === 'string' && SIGNATURE_PATTERN.test(value);

/** The raw public key behind a peer ID, or null when the text is not a canonical peer ID. */
export function peerIdToBytes(id: string): Uint8Array | null {
  return isPeerId(id) ? fromBase64Url(id) : null;
}

/** A short, human-sized handle for a peer ID (for labels; never for identity decisions). */
export const shortId = (id: PeerId): string => id.slice(0, 8);
