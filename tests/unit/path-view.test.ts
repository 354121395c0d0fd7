import { describe, expect, it } from 'vitest';
import { describePath } from '../../web/state/path-view.ts';

const base = { peerOnline: true, signaling: 'online' as const, peerName: 'Bob', relayOnly: false, turnOffered: false };

describe('describePath', () => {
  it('names the path from the link and presence', () => {
    const open = (path: 'direct' | 'turn') => ({ kind: 'open' as const, path: { path, localType: 'host', remoteType: 'host', protocol: 'udp' } });
    expect(describePath({ ...base, link: open('direct') }).label).toBe('Direct');
    expect(describePath({ ...base, link: open('turn') }).label).toBe('TURN relay');
    expect(describePath({ ...base, link: { kind: 'connecting' } }).label).toBe('Connecting');
    expect(describePath({ ...base, link: { kind: 'none' } }).label).toBe('Server relay');
    expect(describePath({ ...base, peerOnline: false, link: { kind: 'none' } }).label).toBe('Queued (offline)');
    expect(describePath({ ...base, signaling: 'offline', link: { kind: 'none' } })).toMatchObject({
      label: 'Queued (offline)',
      reason: expect.stringMatching(/not connected to the server/),
    });
  });

  it('in relay-only mode without a TURN server, says the server relays even while the contact tries WebRTC', () => {
    const privacy = { ...base, relayOnly: true };
    expect(describePath({ ...privacy, link: { kind: 'connecting' } })).toMatchObject({
      label: 'Server relay',
      reason: expect.stringMatching(/Relay-only connections are on/),
    });
    expect(describePath({ ...privacy, link: { kind: 'none' } }).label).toBe('Server relay');
    expect(describePath({ ...privacy, peerOnline: false, link: { kind: 'none' } }).label).toBe('Queued (offline)');
    expect(describePath({ ...privacy, turnOffered: true, link: { kind: 'connecting' } })).toMatchObject({
      label: 'Connecting',
      reason: expect.stringMatching(/TURN relay/),
    });
  });
});
