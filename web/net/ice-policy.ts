// The RTCConfiguration of each WebRTC attempt. In privacy mode (relay-only) the browser gathers
// only TURN-relayed candidates: no host or server-reflexive candidate is made, so none can reach
// the signaling server or the peer, and the relay candidates' related address is blanked.

export function rtcConfiguration(iceServers: RTCIceServer[], relayOnly: boolean): RTCConfiguration {
  return { iceServers, iceTransportPolicy: relayOnly ? 'relay' : 'all' };
}

/** Whether a TURN server is among them: without one a relay-only attempt has no candidate at all. */
export function offersTurn(iceServers: RTCIceServer[]): boolean {
  return iceServers.some((server) => [server.urls].flat().some((url) => /^turns?:/i.test(url)));
}
