import { describe, expect, it } from 'vitest';
import { CLOSE_CODES } from '../../web/protocol/errors.ts';
import { startServer } from '../fixtures/server.ts';
import { expectServing, TestClient } from '../fixtures/ws-client.ts';

describe('connection limits', () => {
  it('drops frames over the rate with rate_limited, then closes with 4429', async () => {
    // A bucket of 3 that practically never refills: auth takes one, two pings pass.
    const server = await startServer({ limits: { ratePerSecond: 0.001, rateBurst: 3, rateViolationsBeforeClose: 3 } });
    const client = await TestClient.authenticated(server.url);
    for (let n = 0; n < 10; n++) client.send({ t: 'ping', n });

    expect(await client.next('pong')).toEqual({ t: 'pong', n: 0 });
    expect(await client.next('pong')).toEqual({ t: 'pong', n: 1 });
    for (let i = 0; i < 3; i++) expect(await client.next('error')).toMatchObject({ code: 'rate_limited' });
    expect((await client.closed).code).toBe(CLOSE_CODES.rateLimited);
    expect(client.pending()).toEqual([]); // nothing after the limit was served
    await expectServing(server.url);
  });

  it('terminates a socket that stops answering pings, and reports it offline', async () => {
    const server = await startServer({ limits: { heartbeatIntervalMs: 50 } });
    const mute = await TestClient.authenticated(server.url, { autoPong: false });
    const watcher = await TestClient.authenticated(server.url);
    watcher.send({ t: 'watch', ids: [mute.identity.id] });
    expect(await watcher.next('presence')).toMatchObject({ peers: [{ online: true }] });

    // 1006: the server dropped the TCP connection without a close handshake.
    expect((await mute.closed).code).toBe(1006);
    expect(await watcher.next('presence')).toEqual({ t: 'presence', peers: [{ id: mute.identity.id, online: false }] });
    // The watcher answers pings by itself and has lived through the same heartbeats.
    await watcher.roundTrip();
  });
});
