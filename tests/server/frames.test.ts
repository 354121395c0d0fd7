import { describe, expect, it } from 'vitest';
import { generateIdentityKeys } from '../../web/crypto/identity.ts';
import { CLOSE_CODES } from '../../web/protocol/errors.ts';
import { startServer } from '../fixtures/server.ts';
import { candidateSignal, expectServing, TestClient } from '../fixtures/ws-client.ts';

describe('frames after authentication', () => {
  it('answers ping with pong carrying the same counter', async () => {
    const server = await startServer();
    const client = await TestClient.authenticated(server.url);
    client.send({ t: 'ping', n: 41 });
    expect(await client.next('pong')).toEqual({ t: 'pong', n: 41 });
  });

  it.each([
    ['garbage JSON', '{"t":', 'bad_json'],
    ['JSON that is not an object', '[1,2]', 'unknown_type'],
    ['an unknown type', { t: 'deliver', to: 'x' }, 'unknown_type'],
    ['a bad shape', { t: 'signal', to: 'not-an-id', data: {} }, 'bad_frame'],
    ['bad signal data', { t: 'signal', to: 'A'.repeat(43), data: { kind: 'offer' } }, 'bad_frame'],
    ['a ping without a counter', { t: 'ping' }, 'bad_frame'],
  ])('answers %s with an error and keeps serving', async (_, frame, code) => {
    const server = await startServer();
    const client = await TestClient.authenticated(server.url);
    client.send(frame);
    const error = await client.next('error');
    expect(error).toMatchObject({ code });
    expect(error.ref).toBeUndefined();
    await client.roundTrip();
    await expectServing(server.url);
  });

  it('answers a binary frame with bad_frame and keeps serving', async () => {
    const server = await startServer();
    const client = await TestClient.authenticated(server.url);
    client.ws.send(Buffer.from('{"t":"ping","n":1}'));
    expect(await client.next('error')).toMatchObject({ code: 'bad_frame' });
    await client.roundTrip();
  });

  it('closes with 1009 on a frame over maxFrameBytes', async () => {
    const server = await startServer({ limits: { maxFrameBytes: 1024 } });
    const client = await TestClient.authenticated(server.url);
    client.send({ t: 'ping', n: 1, padding: 'x'.repeat(2000) });
    expect((await client.closed).code).toBe(CLOSE_CODES.tooBig);
    await expectServing(server.url);
  });

  it('answers a signal to an offline peer with peer_offline naming it', async () => {
    const server = await startServer();
    const client = await TestClient.authenticated(server.url);
    const { id: absent } = await generateIdentityKeys();
    client.send({ t: 'signal', to: absent, data: candidateSignal() });
    expect(await client.next('error')).toMatchObject({ code: 'peer_offline', ref: absent });
  });

  it('refuses a signal to oneself with bad_target', async () => {
    const server = await startServer();
    const client = await TestClient.authenticated(server.url);
    client.send({ t: 'signal', to: client.identity.id, data: candidateSignal() });
    expect(await client.next('error')).toMatchObject({ code: 'bad_target', ref: client.identity.id });
    expect(client.pending()).toEqual([]); // and nothing was delivered to itself
  });

  it('forwards a signal with the sender stamped by the server and nothing extra', async () => {
    const server = await startServer();
    const [alice, bob] = await Promise.all([TestClient.authenticated(server.url), TestClient.authenticated(server.url)]);
    const { id: mallory } = await generateIdentityKeys();
    const data = candidateSignal();
    alice.send({ t: 'signal', to: bob.identity.id, from: mallory, extra: 1, data: { ...data, note: 'smuggled' } });
    expect(await bob.next('signal')).toStrictEqual({ t: 'signal', from: alice.identity.id, data });
  });

  it('refuses a watch list over the configured maximum', async () => {
    const server = await startServer({ limits: { maxWatchedIds: 2 } });
    const client = await TestClient.authenticated(server.url);
    const ids = await Promise.all([1, 2, 3].map(async () => (await generateIdentityKeys()).id));
    client.send({ t: 'watch', ids });
    expect(await client.next('error')).toMatchObject({ code: 'too_many_watched' });
    client.send({ t: 'watch', ids: ids.slice(0, 2) });
    expect(await client.next('presence')).toMatchObject({ peers: [{ online: false }, { online: false }] });
  });
});
