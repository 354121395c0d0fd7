import type { LinkStatus } from '../net/transport.ts';
import type { SignalingState } from '../net/signaling-client.ts';

// What the "Connection path" status says for a contact, and why. The label is one of the words
// the UI contract names; the reason is for the person reading it.

export type PathLabel = 'Direct' | 'TURN relay' | 'Server relay' | 'Queued (offline)' | 'Connecting';

export interface PathView {
  label: PathLabel;
  reason: string;
}

export function describePath(input: {
  link: LinkStatus;
  peerOnline: boolean;
  signaling: SignalingState;
  peerName: string;
  /** Privacy mode: only TURN-relayed WebRTC connections. */
  relayOnly: boolean;
  /** Whether the server handed out a TURN server (without one, relay-only WebRTC cannot connect). */
  turnOffered: boolean;
}): PathView {
  const { link, peerOnline, signaling, peerName, relayOnly, turnOffered } = input;
  if (link.kind === 'open') {
    if (link.path?.path === 'turn') {
      return { label: 'TURN relay', reason: `Encrypted data channel through a TURN server (${link.path.protocol || 'udp'}).` };
    }
    const detail = link.path ? ` (${link.path.localType} ↔ ${link.path.remoteType})` : '';
    return { label: 'Direct', reason: `Encrypted peer-to-peer data channel${detail}.` };
  }
  if (signaling === 'replaced') {
    return { label: 'Queued (offline)', reason: 'Tincan is open in another tab; messages wait here.' };
  }
  if (signaling !== 'online') {
    return { label: 'Queued (offline)', reason: 'You are not connected to the server; messages wait on this device.' };
  }
  if (!peerOnline) {
    return {
      label: 'Queued (offline)',
      reason: `${peerName} is offline; messages wait, end-to-end encrypted, in the server's mailbox.`,
    };
  }
  if (relayOnly && !turnOffered) {
    // An attempt the contact starts can still be under way here, but it cannot succeed.
    return {
      label: 'Server relay',
      reason: 'Relay-only connections are on and this server has no TURN relay: messages go end-to-end encrypted through the server.',
    };
  }
  if (link.kind === 'connecting') {
    const via = relayOnly ? 'a connection through a TURN relay' : 'a direct connection';
    return { label: 'Connecting', reason: `Opening ${via}; messages go through the server relay meanwhile.` };
  }
  return { label: 'Server relay', reason: 'No direct connection: messages go end-to-end encrypted through the server.' };
}
