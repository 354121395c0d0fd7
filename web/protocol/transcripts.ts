import { utf8 } from './encoding.ts';
import type { PeerId } from './ids.ts';

// The exact bytes that get signed. Each starts with its own domain tag so that a signature made
// for one purpose can never be replayed as another, and fields are NUL-separated (none of them
// can contain NUL: IDs are base64url, origins are URLs, timestamps are digits).

export const AUTH_DOMAIN = 'tincan-auth-v1';
export const SDP_DOMAIN = 'tincan-sdp-v1';

/**
 * What a client signs to authenticate: the server's fresh nonce and the server's origin (e.g.
 * "https://chat.example"). The origin stops a malicious server from relaying another server's
 * challenge and logging in there as the user.
 */
export const authTranscript = (nonce: string, serverOrigin: string): Uint8Array =>
  utf8([AUTH_DOMAIN, nonce, serverOrigin].join('\0'));

/**
 * What a peer signs for an SDP offer or answer. Binding sender, recipient, session ID, time and
 * the whole SDP (which carries the DTLS fingerprint) to the identity key means a signaling server
 * cannot substitute its own fingerprint and sit in the middle of the data channel. The answer
 * reuses the offer's session ID, which makes it fresh for that offer.
 */
export function signedSdpTranscript(fields: {
  kind: 'offer' | 'answer';
  from: PeerId;
  to: PeerId;
  sid: string;
  ts: number;
  sdp: string;
}): Uint8Array {
  const { kind, from, to, sid, ts, sdp } = fields;
  return utf8([SDP_DOMAIN, kind, from, to, sid, String(ts), sdp].join('\0'));
}

/** The origin a client signs for a signaling URL: ws→http, wss→https, path dropped. */
export function signalingOrigin(wsUrl: string): string {
  const url = new URL(wsUrl);
  const scheme = url.protocol === 'wss:' || url.protocol === 'https:' ? 'https:' : 'http:';
  return `${scheme}//${url.host}`;
}

export const SIGNED_PREKEY_DOMAIN = 'tincan-signed-prekey-v1';

/**
 * What an identity key signs for a signed prekey (X3DH's Sig(IK, Encode(SPK))). The owner's ID
 * and the prekey's ID and creation time are in it, so that a server can neither move a prekey to
 * another identity nor relabel an old one; the public key is base64url, like every key here.
 */
export function signedPrekeyTranscript(fields: {
  owner: PeerId;
  id: number;
  createdAt: number;
  key: string;
}): Uint8Array {
  const { owner, id, createdAt, key } = fields;
  return utf8([SIGNED_PREKEY_DOMAIN, owner, String(id), String(createdAt), key].join('\0'));
}
