import { WS_PATH } from '../protocol/server-frames.ts';

// Which signaling server the app connects to: by default the one that served the app (it serves
// both on one port), or one the user names in Settings. Pure, so every rule is unit-tested.

/** The signaling WebSocket of the server at `origin` (an http(s) origin, e.g. location.origin). */
export function defaultSignalingUrl(origin: string): string {
  const url = new URL(origin);
  return `${url.protocol === 'https:' ? 'wss:' : 'ws:'}//${url.host}${WS_PATH}`;
}

export type SignalingAddress = { url: string } | { error: string };

/**
 * Reads what the user typed as a signaling server: a WebSocket URL (ws:// or wss://, any path,
 * as a proxy may put the socket elsewhere) or the origin of a Tincan server (http:// or https://,
 * no path), whose socket is at /ws. `pageProtocol` is the app's own ("https:" or "http:"): an
 * HTTPS page may not open an unencrypted socket, so ws:// is refused there rather than failing
 * silently on every reconnect.
 */
export function parseSignalingAddress(input: string, pageProtocol: string): SignalingAddress {
  const text = input.trim();
  if (text === '') return { error: 'Enter the server’s address, such as wss://chat.example/ws or https://chat.example.' };
  const url = URL.canParse(text) ? new URL(text) : null;
  if (!url || !['ws:', 'wss:', 'http:', 'https:'].includes(url.protocol)) {
    return { error: 'The address must start with wss://, ws://, https:// or http://.' };
  }
  if (url.username || url.password) return { error: 'The address cannot hold a user name or password.' };
  if (url.hash) return { error: 'The address cannot have a # part.' };
  let socket: URL;
  if (url.protocol === 'http:' || url.protocol === 'https:') {
    if (url.pathname !== '/' || url.search) {
      return { error: 'An https:// or http:// address must be the server alone, such as https://chat.example (no path).' };
    }
    socket = new URL(defaultSignalingUrl(url.origin));
  } else {
    socket = url;
  }
  if (pageProtocol === 'https:' && socket.protocol === 'ws:') {
    return { error: 'Tincan is open over HTTPS, so the server must be reached over an encrypted connection: use wss:// or https://.' };
  }
  return { url: socket.href };
}
