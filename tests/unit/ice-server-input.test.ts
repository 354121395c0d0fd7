import { describe, expect, it } from 'vitest';
import { addIceServer, MAX_OWN_ICE_SERVERS, parseIceServerInput, type OwnIceServer } from '../../web/net/ice-server-input.ts';

const stun = (url: string) => ({ url, username: '', credential: '' });
const turn = (url: string, username = 'alice', credential = 's3cret') => ({ url, username, credential });

describe('parseIceServerInput', () => {
  it('accepts STUN and TURN URLs of RFC 7064 and 7065: host name, IPv4 or IPv6, port, TURN transport', () => {
    expect(parseIceServerInput(stun('stun:stun.example.org'))).toEqual({ server: { urls: 'stun:stun.example.org' } });
    expect(parseIceServerInput(stun(' stuns:stun.example.org:5349 '))).toEqual({ server: { urls: 'stuns:stun.example.org:5349' } });
    expect(parseIceServerInput(stun('stun:192.0.2.7:3478'))).toEqual({ server: { urls: 'stun:192.0.2.7:3478' } });
    expect(parseIceServerInput(stun('stun:[2001:db8::1]:3478'))).toEqual({ server: { urls: 'stun:[2001:db8::1]:3478' } });
    expect(parseIceServerInput(turn('turn:turn.example.org:3478?transport=udp'))).toEqual({
      server: { urls: 'turn:turn.example.org:3478?transport=udp', username: 'alice', credential: 's3cret' },
    });
    expect(parseIceServerInput(turn('TURNS:turn.example.org:443?transport=tcp'))).toHaveProperty('server');
  });

  it('keeps the credential exactly as typed (spaces included) and trims the rest', () => {
    expect(parseIceServerInput({ url: 'turn:t.example', username: ' bob ', credential: ' pass ' })).toEqual({
      server: { urls: 'turn:t.example', username: 'bob', credential: ' pass ' },
    });
  });

  it('refuses other schemes, the // form, missing hosts, bad ports and stray parts', () => {
    for (const url of ['', 'http://stun.example.org', 'stun.example.org', 'stun:', 'stun:host:0', 'stun:host:65536', 'stun:host:port', 'stun:ho st', 'stun:host/path', 'stun:-host', 'stun:host?transport=udp', 'turn:host?transport=sctp', 'turn:user@host']) {
      expect(parseIceServerInput(turn(url)), url).toHaveProperty('error', expect.any(String));
    }
    expect(parseIceServerInput(stun('stun://stun.example.org'))).toHaveProperty('error', expect.stringContaining('//'));
  });

  it('needs a username and credential for TURN, and none for STUN', () => {
    expect(parseIceServerInput(turn('turn:t.example', '', 'x'))).toHaveProperty('error', expect.stringContaining('user name and a credential'));
    expect(parseIceServerInput(turn('turns:t.example', 'u', ''))).toHaveProperty('error', expect.stringContaining('user name and a credential'));
    expect(parseIceServerInput(turn('stun:s.example'))).toHaveProperty('error', expect.stringContaining('STUN'));
  });

  it('refuses overlong values', () => {
    expect(parseIceServerInput(stun(`stun:${'a'.repeat(600)}`))).toHaveProperty('error', expect.stringContaining('too long'));
    expect(parseIceServerInput(turn('turn:t.example', 'u', 'x'.repeat(257)))).toHaveProperty('error', expect.stringContaining('256'));
  });
});

describe('addIceServer', () => {
  it('adds at the end, refuses a duplicate (case aside) and more than the limit', () => {
    const one = addIceServer([], stun('stun:a.example'));
    expect(one).toEqual({ servers: [{ urls: 'stun:a.example' }] });
    const list = (one as { servers: OwnIceServer[] }).servers;
    expect(addIceServer(list, stun('STUN:A.example'))).toHaveProperty('error', expect.stringContaining('already'));
    expect(addIceServer(list, turn('turn:a.example'))).toEqual({ servers: [{ urls: 'stun:a.example' }, { urls: 'turn:a.example', username: 'alice', credential: 's3cret' }] });
    const full = Array.from({ length: MAX_OWN_ICE_SERVERS }, (_, i) => ({ urls: `stun:s${i}.example` }));
    expect(addIceServer(full, stun('stun:more.example'))).toHaveProperty('error', expect.stringContaining(`at most ${MAX_OWN_ICE_SERVERS}`));
  });

  it('passes on why the input is refused, and leaves the list alone', () => {
    const list: OwnIceServer[] = [{ urls: 'stun:a.example' }];
    expect(addIceServer(list, stun('nonsense'))).toHaveProperty('error');
    expect(list).toEqual([{ urls: 'stun:a.example' }]);
  });
});
