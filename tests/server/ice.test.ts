import { describe, expect, it } from 'vitest';
import { CLOSE_CODES } from '../../web/protocol/errors.ts';
import { startServer } from '../fixtures/server.ts';
import { TestClient } from '../fixtures/ws-client.ts';

const ice = { stunUrls: ['stun:stun.example:3478'], turnUrls: ['turn:turn.example:3478'], turnSecret: 'north-secret', turnTtlSeconds: 600 };

describe('ICE servers', () => {
  it('gives an authenticated client STUN and a TURN credential of its own that expires', async () => {
    const server = await startServer({ ice });
    const client = await TestClient.authenticated(server.url);
    const frame = client.iceServers!;
    const [stun, turn] = frame.servers;
    expect(stun).toEqual({ urls: ice.stunUrls });
    expect(turn?.urls).toEqual(ice.turnUrls);
    const [expiry, peer] = turn!.username!.split(':');
    expect(peer).toBe(client.identity.id);
    expect(Number(expiry) * 1000).toBe(frame.expiresAt);
    expect(frame.expiresAt! - Date.now()).toBeGreaterThan(590_000);
    expect(frame.expiresAt! - Date.now()).toBeLessThanOrEqual(600_000);

    // Asking again gives a fresh credential, still for this client only.
    client.send({ t: 'ice' });
    const again = await client.next('ice');
    expect(again.servers[1]?.username?.endsWith(`:${client.identity.id}`)).toBe(true);
  });

  it('issues nothing before authentication', async () => {
    const server = await startServer({ ice });
    const client = await TestClient.connect(server.url);
    await client.next('challenge');
    client.send({ t: 'ice' });
    expect((await client.next('error')).code).toBe('not_authenticated');
    expect((await client.closed).code).toBe(CLOSE_CODES.protocolViolation);
  });

  it('sends an empty list when no STUN or TURN is configured', async () => {
    const server = await startServer();
    const client = await TestClient.authenticated(server.url);
    expect(client.iceServers).toEqual({ t: 'ice', servers: [] });
  });
});
