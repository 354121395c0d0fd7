import { describe, expect, it } from 'vitest';
import { CLOSE_CODES } from '../../web/protocol/errors.ts';
import { PROTOCOL_VERSION } from '../../web/protocol/server-frames.ts';
import { startServer } from '../fixtures/server.ts';
import { candidateSignal, expectServing, TestClient } from '../fixtures/ws-client.ts';

describe('authentication', () => {
  it('sends a fresh challenge and answers a good signature with ready', async () => {
    const server = await startServer();
    const client = await TestClient.connect(server.url);
    const challenge = await client.next('challenge');
    expect(challenge.v).toBe(PROTOCOL_VERSION);
    expect(challenge.nonce).toMatch(/^[A-Za-z0-9_-]{43}$/);
    client.send(await client.authFrame(challenge.nonce));
    expect(await client.next('ready')).toEqual({ t: 'ready', id: client.identity.id });
  });

  it('gives every connection its own nonce', async () => {
    const server = await startServer();
    const [a, b] = await Promise.all([TestClient.connect(server.url), TestClient.connect(server.url)]);
    const [na, nb] = await Promise.all([a.next('challenge'), b.next('challenge')]);
    expect(na.nonce).not.toBe(nb.nonce);
  });

  it('refuses a bad signature with auth_failed and 4401', async () => {
    const server = await startServer();
    const client = await TestClient.connect(server.url);
    await client.next('challenge');
    // A valid signature, but over something other than this connection's transcript.
    client.send(await client.authFrame('A'.repeat(43)));
    expect(await client.next('error')).toMatchObject({ code: 'auth_failed' });
    expect((await client.closed).code).toBe(CLOSE_CODES.authFailed);
    await expectServing(server.url);
  });

  it("refuses another connection's auth frame replayed on a new socket", async () => {
    const server = await startServer();
    const alice = await TestClient.authenticated(server.url);
    const thief = await TestClient.connect(server.url);
    await thief.next('challenge');
    thief.send(alice.lastAuth!);
    expect(await thief.next('error')).toMatchObject({ code: 'auth_failed' });
    expect((await thief.closed).code).toBe(CLOSE_CODES.authFailed);
    await alice.roundTrip(); // the real owner is unaffected
  });

  it('refuses a signature made for another origin', async () => {
    const server = await startServer();
    const client = await TestClient.connect(server.url);
    const { nonce } = await client.next('challenge');
    client.send(await client.authFrame(nonce, 'https://evil.example'));
    expect(await client.next('error')).toMatchObject({ code: 'auth_failed' });
    expect((await client.closed).code).toBe(CLOSE_CODES.authFailed);
  });

  it('accepts the https origin of the same host (a TLS-terminating proxy in front)', async () => {
    const server = await startServer();
    const client = await TestClient.connect(server.url);
    const { nonce } = await client.next('challenge');
    client.send(await client.authFrame(nonce, client.origin.replace('http:', 'https:')));
    expect(await client.next('ready')).toEqual({ t: 'ready', id: client.identity.id });
  });

  it('with a public origin configured, accepts only that origin', async () => {
    const server = await startServer({ publicOrigin: 'https://chat.example' });
    const good = await TestClient.connect(server.url);
    good.send(await good.authFrame((await good.next('challenge')).nonce, 'https://chat.example'));
    await good.next('ready');

    const hostBound = await TestClient.connect(server.url);
    hostBound.send(await hostBound.authFrame((await hostBound.next('challenge')).nonce));
    expect(await hostBound.next('error')).toMatchObject({ code: 'auth_failed' });
    expect((await hostBound.closed).code).toBe(CLOSE_CODES.authFailed);
  });

  it.each([
    ['a valid frame other than auth', { t: 'ping', n: 1 }, 'not_authenticated'],
    ['a watch', { t: 'watch', ids: [] }, 'not_authenticated'],
    ['garbage', '{not json', 'bad_json'],
    ['an unknown type', { t: 'hello' }, 'unknown_type'],
    ['a malformed auth', { t: 'auth', v: 1, id: 'me', sig: 'x' }, 'bad_frame'],
  ])('closes with 4400 on %s before authentication', async (_, frame, code) => {
    const server = await startServer();
    const client = await TestClient.connect(server.url);
    await client.next('challenge');
    client.send(frame);
    expect(await client.next('error')).toMatchObject({ code });
    expect((await client.closed).code).toBe(CLOSE_CODES.protocolViolation);
    await expectServing(server.url);
  });

  it('closes with 4400 on a binary frame before authentication', async () => {
    const server = await startServer();
    const client = await TestClient.connect(server.url);
    await client.next('challenge');
    client.ws.send(Buffer.from([1, 2, 3]));
    expect(await client.next('error')).toMatchObject({ code: 'bad_frame' });
    expect((await client.closed).code).toBe(CLOSE_CODES.protocolViolation);
  });

  it('closes with 4408 when the challenge is not answered in time', async () => {
    const server = await startServer({ limits: { authDeadlineMs: 100 } });
    const client = await TestClient.connect(server.url);
    await client.next('challenge');
    expect((await client.closed).code).toBe(CLOSE_CODES.authTimeout);
    await expectServing(server.url);
  });

  it('answers a second auth with already_authenticated and keeps the socket', async () => {
    const server = await startServer();
    const client = await TestClient.authenticated(server.url);
    client.send(client.lastAuth!);
    expect(await client.next('error')).toMatchObject({ code: 'already_authenticated' });
    await client.roundTrip();
  });

  it('handles frames sent right behind auth, in order, after the signature is checked', async () => {
    const server = await startServer();
    const [alice, bob] = await Promise.all([TestClient.authenticated(server.url), TestClient.connect(server.url)]);
    const { nonce } = await bob.next('challenge');
    bob.send(await bob.authFrame(nonce));
    bob.send({ t: 'watch', ids: [alice.identity.id] });
    bob.send({ t: 'signal', to: alice.identity.id, data: candidateSignal() });
    await bob.next('ready');
    expect(await bob.next('presence')).toEqual({ t: 'presence', peers: [{ id: alice.identity.id, online: true }] });
    expect(await alice.next('signal')).toMatchObject({ from: bob.identity.id });
  });
});
