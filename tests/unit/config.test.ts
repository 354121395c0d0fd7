import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../../signal-server/config.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('readConfig', () => {
  it('has defaults for everything', () => {
    expect(readConfig([], {})).toEqual({
      port: 8080,
      host: '0.0.0.0',
      dataDir: resolve(ROOT, 'data'),
      staticDir: resolve(ROOT, 'dist'),
      publicOrigin: undefined,
    });
  });

  it('reads the port from --port N, --port=N or PORT, the command line first', () => {
    expect(readConfig(['--port', '3000'], {}).port).toBe(3000);
    expect(readConfig(['--port=3001'], {}).port).toBe(3001);
    expect(readConfig([], { PORT: '3002' }).port).toBe(3002);
    expect(readConfig(['--port', '3003'], { PORT: '3002' }).port).toBe(3003);
    expect(readConfig([], { PORT: '' }).port).toBe(8080);
  });

  it('reads the host from --host or HOST', () => {
    expect(readConfig(['--host', '127.0.0.1'], {}).host).toBe('127.0.0.1');
    expect(readConfig(['--host=::'], { HOST: 'x' }).host).toBe('::');
    expect(readConfig([], { HOST: 'localhost' }).host).toBe('localhost');
  });

  it('refuses a bad port, naming where it came from', () => {
    expect(() => readConfig([], { PORT: 'eighty' })).toThrow(/PORT.*"eighty"/);
    expect(() => readConfig([], { PORT: '65536' })).toThrow(/PORT/);
    expect(() => readConfig([], { PORT: '-1' })).toThrow(/PORT/);
    expect(() => readConfig([], { PORT: '80.5' })).toThrow(/PORT/);
    expect(() => readConfig(['--port', 'x'], {})).toThrow(/--port/);
  });

  it('refuses unknown options and options without a value', () => {
    expect(() => readConfig(['--prot', '1'], {})).toThrow(/Unknown option "--prot"/);
    expect(() => readConfig(['--port'], {})).toThrow(/--port needs a value/);
    expect(() => readConfig(['--host='], {})).toThrow(/--host needs a value/);
  });

  it('resolves relative directories from the repository root and keeps absolute ones', () => {
    const config = readConfig([], { DATA_DIR: 'var/tincan', STATIC_DIR: '/srv/tincan' });
    expect(config.dataDir).toBe(resolve(ROOT, 'var/tincan'));
    expect(config.staticDir).toBe('/srv/tincan');
  });

  it('normalises PUBLIC_ORIGIN and refuses anything but an origin', () => {
    expect(readConfig([], { PUBLIC_ORIGIN: 'https://Chat.Example/' }).publicOrigin).toBe('https://chat.example');
    expect(readConfig([], { PUBLIC_ORIGIN: 'https://chat.example:443' }).publicOrigin).toBe('https://chat.example');
    for (const bad of ['chat.example', 'https://chat.example/app', 'ftp://chat.example', 'https://u:p@chat.example']) {
      expect(() => readConfig([], { PUBLIC_ORIGIN: bad }), bad).toThrow(/PUBLIC_ORIGIN/);
    }
  });
});

describe('ICE configuration', () => {
  const read = (env: Record<string, string>) => readConfig([], env);

  it('reads STUN and TURN URLs, the secret and the TTL', () => {
    expect(read({}).ice).toBeUndefined();
    expect(read({ STUN_URLS: 'stun:a.example:3478, stuns:b.example' }).ice).toEqual({
      stunUrls: ['stun:a.example:3478', 'stuns:b.example'],
      turnUrls: [],
      turnTtlSeconds: 3600,
    });
    expect(read({ TURN_URLS: 'turn:t.example:3478?transport=tcp', TURN_SECRET: 'x', TURN_TTL_SECONDS: '600' }).ice).toEqual({
      stunUrls: [],
      turnUrls: ['turn:t.example:3478?transport=tcp'],
      turnSecret: 'x',
      turnTtlSeconds: 600,
    });
  });

  it('refuses settings that could only fail later', () => {
    expect(() => read({ TURN_URLS: 'turn:t.example' })).toThrow(/TURN_SECRET/);
    expect(() => read({ STUN_URLS: 'http://s.example' })).toThrow(/STUN_URLS/);
    expect(() => read({ TURN_URLS: 'stun:t.example', TURN_SECRET: 'x' })).toThrow(/TURN_URLS/);
    expect(() => read({ STUN_URLS: 'stun:s', TURN_TTL_SECONDS: '5' })).toThrow(/TURN_TTL_SECONDS/);
  });
});
