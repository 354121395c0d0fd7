import { describe, expect, it } from 'vitest';
import { iceServersToUse, offersTurn, rtcConfiguration } from '../../web/net/ice-policy.ts';

const stun: RTCIceServer = { urls: ['stun:turn.example.org:3478'] };
const turn: RTCIceServer = { urls: ['turn:turn.example.org:3478?transport=udp', 'turns:turn.example.org:5349'], username: 'u', credential: 'c' };

describe('rtcConfiguration', () => {
  it('allows every candidate type by default and only relayed ones in privacy mode', () => {
    expect(rtcConfiguration([stun, turn], false)).toEqual({ iceServers: [stun, turn], iceTransportPolicy: 'all' });
    expect(rtcConfiguration([stun, turn], true)).toEqual({ iceServers: [stun, turn], iceTransportPolicy: 'relay' });
  });
});

describe('iceServersToUse', () => {
  it('uses the servers the user added as well as, not instead of, the signaling server’s', () => {
    const own = { urls: 'turn:mine.example:3478', username: 'me', credential: 'pw' };
    expect(iceServersToUse([own], [stun, turn])).toEqual([own, stun, turn]);
    expect(iceServersToUse([], [stun])).toEqual([stun]);
    expect(iceServersToUse([own], [])).toEqual([own]);
  });
});

describe('offersTurn', () => {
  it('is true only when a TURN or TURNS URL is configured', () => {
    expect(offersTurn([])).toBe(false);
    expect(offersTurn([stun])).toBe(false);
    expect(offersTurn([stun, turn])).toBe(true);
    expect(offersTurn([{ urls: 'turns:relay.example.org:443' }])).toBe(true);
    expect(offersTurn([{ urls: 'stun:turn.example.org' }])).toBe(false);
  });
});
