import { describe, expect, it } from 'vitest';
import { defaultSignalingUrl, parseSignalingAddress } from '../../web/net/server-address.ts';

describe('defaultSignalingUrl', () => {
  it('is the /ws socket of the origin the app came from, encrypted when the page is', () => {
    expect(defaultSignalingUrl('https://chat.example')).toBe('wss://chat.example/ws');
    expect(defaultSignalingUrl('http://localhost:8080')).toBe('ws://localhost:8080/ws');
  });
});

describe('parseSignalingAddress', () => {
  const onHttps = (input: string) => parseSignalingAddress(input, 'https:');
  const onHttp = (input: string) => parseSignalingAddress(input, 'http:');

  it('takes a WebSocket URL as it is, path and port included', () => {
    expect(onHttps('wss://chat.example/ws')).toEqual({ url: 'wss://chat.example/ws' });
    expect(onHttps('  wss://Chat.Example:8443/tincan/socket ')).toEqual({ url: 'wss://chat.example:8443/tincan/socket' });
    expect(onHttp('ws://192.168.1.10:8080/ws')).toEqual({ url: 'ws://192.168.1.10:8080/ws' });
  });

  it('turns the origin of a Tincan server into its /ws socket', () => {
    expect(onHttps('https://chat.example')).toEqual({ url: 'wss://chat.example/ws' });
    expect(onHttps('https://chat.example/')).toEqual({ url: 'wss://chat.example/ws' });
    expect(onHttp('http://localhost:8080')).toEqual({ url: 'ws://localhost:8080/ws' });
  });

  it('refuses an unencrypted socket from a page served over HTTPS, which the browser would block', () => {
    expect(onHttps('ws://chat.example/ws')).toHaveProperty('error', expect.stringContaining('wss://'));
    expect(onHttps('http://chat.example')).toHaveProperty('error', expect.stringContaining('wss://'));
    expect(onHttp('wss://chat.example/ws')).toEqual({ url: 'wss://chat.example/ws' });
  });

  it('refuses what is not a server address, saying what is expected', () => {
    for (const input of ['', '   ', 'chat.example', 'ftp://chat.example', 'stun:chat.example', 'wss://', 'javascript:alert(1)']) {
      expect(onHttps(input), input).toHaveProperty('error', expect.any(String));
    }
  });

  it('refuses an http(s) address with a path (it would not be where the socket is), credentials, or a # part', () => {
    expect(onHttps('https://chat.example/app')).toHaveProperty('error', expect.stringContaining('no path'));
    expect(onHttps('https://chat.example/?x=1')).toHaveProperty('error', expect.stringContaining('no path'));
    expect(onHttps('wss://user:secret@chat.example/ws')).toHaveProperty('error', expect.stringContaining('password'));
    expect(onHttps('wss://chat.example/ws#x')).toHaveProperty('error', expect.stringContaining('#'));
  });
});
