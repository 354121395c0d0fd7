// STUN and TURN servers the user adds in Settings, checked before they are stored: a malformed
// URL or a TURN server without credentials would make RTCPeerConnection throw on every attempt,
// long after the user typed it. Pure, so every rule is unit-tested.

/** One server the user added; an RTCIceServer as it is stored and handed to WebRTC. */
export interface OwnIceServer {
  urls: string;
  username?: string;
  credential?: string;
}

/** Each server adds candidates to gather and pairs to check: a handful is plenty. */
export const MAX_OWN_ICE_SERVERS = 8;
const MAX_URL_LENGTH = 512;
const MAX_CREDENTIAL_LENGTH = 256;

/**
 * RFC 7064 (stun:, stuns:) and RFC 7065 (turn:, turns:): scheme, host (a name, an IPv4 address or
 * a bracketed IPv6 one), an optional port; TURN may name its transport.
 */
const ICE_URL = /^(stuns?|turns?):(\[[0-9a-f:.]+\]|[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?)(?::(\d{1,5}))?(\?transport=(?:udp|tcp))?$/i;

export type IceServerInput = { url: string; username: string; credential: string };

export function parseIceServerInput(input: IceServerInput): { server: OwnIceServer } | { error: string } {
  const url = input.url.trim();
  const username = input.username.trim();
  const credential = input.credential; // a secret is used exactly as given
  if (url === '') return { error: 'Enter the server’s URL, such as stun:stun.example.org:3478 or turn:turn.example.org:3478.' };
  if (url.length > MAX_URL_LENGTH) return { error: `The URL is too long (at most ${MAX_URL_LENGTH} characters).` };
  if (/^(stuns?|turns?):\/\//i.test(url)) return { error: 'Write the URL without “//”, such as turn:turn.example.org:3478.' };
  const match = ICE_URL.exec(url);
  if (!match) {
    return { error: 'The URL must be stun:, stuns:, turn: or turns: followed by a host name or address and an optional port, such as turn:turn.example.org:3478.' };
  }
  const [, scheme, , port, transport] = match;
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return { error: 'The port must be a number from 1 to 65535.' };
  const isTurn = scheme!.toLowerCase().startsWith('turn');
  if (!isTurn && transport !== undefined) return { error: 'Only a TURN URL can name a transport (?transport=udp or tcp).' };
  if (username.length > MAX_CREDENTIAL_LENGTH || credential.length > MAX_CREDENTIAL_LENGTH) {
    return { error: `The user name and credential can have at most ${MAX_CREDENTIAL_LENGTH} characters each.` };
  }
  if (!isTurn) {
    if (username !== '' || credential !== '') return { error: 'A STUN server takes no user name or credential: leave them empty.' };
    return { server: { urls: url } };
  }
  if (username === '' || credential === '') return { error: 'A TURN server needs a user name and a credential.' };
  return { server: { urls: url, username, credential } };
}

/** The list with `input` added at the end, or why it cannot be. */
export function addIceServer(list: readonly OwnIceServer[], input: IceServerInput): { servers: OwnIceServer[] } | { error: string } {
  if (list.length >= MAX_OWN_ICE_SERVERS) return { error: `You can add at most ${MAX_OWN_ICE_SERVERS} servers. Remove one first.` };
  const parsed = parseIceServerInput(input);
  if ('error' in parsed) return parsed;
  const same = (a: OwnIceServer): boolean => a.urls.toLowerCase() === parsed.server.urls.toLowerCase() && a.username === parsed.server.username;
  if (list.some(same)) return { error: 'That server is already in the list.' };
  return { servers: [...list, parsed.server] };
}
