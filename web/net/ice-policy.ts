import type { OwnIceServer } from './ice-server-input.ts';

// The RTCConfiguration of each WebRTC attempt. In privacy mode (relay-only) the browser gathers
// only TURN-relayed candidates: no host or server-reflexive candidate is made, so none can reach
// the signaling server or the peer, and the relay candidates' related address is blanked.

export function rtcConfiguration(iceServers: RTCIceServer[], relayOnly: boolean): RTCConfiguration {
  return { iceServers, iceTransportPolicy: relayOnly ? 'relay' : 'all' };
}

/**
 * The servers an attempt uses: the user's own (Settings) in addition to the signaling server's,
 * never instead of them. More servers only add candidates, and ICE picks the pair that works, so
 * adding a server can never cost a connection that the server's own would have made.
 */
export function iceServersToUse(own: readonly OwnIceServer[], fromServer: readonly RTCIceServer[]): RTCIceServer[] {
  return [...own, ...fromServer];
}

/** Whether a TURN server is among them: without one a relay-only attempt has no candidate at all. */
export function offersTurn(iceServers: RTCIceServer[]): boolean {
  return iceServers.some((server) => [server.urls].flat().some((url) => /^turns?:/i.test(url)));
}
