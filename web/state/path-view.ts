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
}): PathView {
  const { link, peerOnline, signaling, peerName } = input;
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
  if (link.kind === 'connecting') {
    return { label: 'Connecting', reason: `Opening a direct connection; messages go through the server relay meanwhile.` };
  }
  return { label: 'Server relay', reason: 'No direct connection: messages go end-to-end encrypted through the server.' };
}
