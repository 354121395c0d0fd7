import { createHmac } from 'node:crypto';
import type { PeerId } from '../web/protocol/ids.ts';
import type { IceServer } from '../web/protocol/server-frames.ts';

// The STUN and TURN servers clients are told to use. TURN credentials follow coturn's REST
// scheme (`use-auth-secret`): the username is "expiry:peerId" and the password is
// base64(HMAC-SHA1(secret, username)), so coturn checks them with the shared secret alone and
// refuses them after the expiry. They are made per authenticated client, on request.

export interface IceOptions {
  stunUrls: string[];
  turnUrls: string[];
  /** coturn's `static-auth-secret`; required when turnUrls is not empty. */
  turnSecret?: string;
  /** How long TURN credentials are valid. */
  turnTtlSeconds: number;
}

/** One hour: long enough for a conversation's ICE restarts, short enough to be worthless later. */
export const DEFAULT_TURN_TTL_SECONDS = 3600;

export function turnCredential(secret: string, peer: PeerId, expiresAtSeconds: number): { username: string; credential: string } {
  const username = `${expiresAtSeconds}:${peer}`;
  return { username, credential: createHmac('sha1', secret).update(username).digest('base64') };
}

/** The servers for one authenticated client, and when its TURN credential expires (ms). */
export function iceServersFor(options: IceOptions | undefined, peer: PeerId, now = Date.now()): { servers: IceServer[]; expiresAt?: number } {
  if (!options) return { servers: [] };
  const servers: IceServer[] = options.stunUrls.length > 0 ? [{ urls: options.stunUrls }] : [];
  if (options.turnUrls.length === 0 || options.turnSecret === undefined) return { servers };
  const expiresAtSeconds = Math.floor(now / 1000) + options.turnTtlSeconds;
  servers.push({ urls: options.turnUrls, ...turnCredential(options.turnSecret, peer, expiresAtSeconds) });
  return { servers, expiresAt: expiresAtSeconds * 1000 };
}
