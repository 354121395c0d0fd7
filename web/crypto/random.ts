import { toBase64Url } from '../protocol/encoding.ts';

/**
 * 128 random bits in base64url (22 characters): message IDs and signaling session IDs. Web
 * Crypto's CSPRNG (the same OS source libsodium uses) is synchronous, so a connection attempt can
 * start in the same task as the click that asked for it.
 */
export function randomId(): string {
  return toBase64Url(globalThis.crypto.getRandomValues(new Uint8Array(16)));
}
