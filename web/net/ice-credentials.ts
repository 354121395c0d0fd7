// ICE credentials in an SDP. An ICE restart changes them; a copy of an offer or answer sent
// again (because the first may have been lost with a network that went away) keeps them, and
// so does every later copy of the same description with more candidates in it.

/** The ICE username fragment of an SDP, or null if it has none. */
export function iceUfrag(sdp: string): string | null {
  return /^a=ice-ufrag:(\S+)\r?$/m.exec(sdp)?.[1] ?? null;
}
