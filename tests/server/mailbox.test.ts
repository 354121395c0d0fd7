import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { generateIdentityKeys } from '../../web/crypto/identity.ts';
import { toBase64Url } from '../../web/protocol/encoding.ts';
import { startServer, tempDataDir } from '../fixtures/server.ts';
import { newMessageId, TestClient, type FrameOf } from '../fixtures/ws-client.ts';

const blobs = (n: number, size = 330): Buffer[] => Array.from({ length: n }, () => randomBytes(size));

/** Reconnects `identity` and shows that nothing is waiting for it any more. */
async function expectMailboxEmpty(serverUrl: string, identity: TestClient['identity']): Promise<void> {
  const again = await TestClient.authenticated(serverUrl, { identity });
  await again.roundTrip(); // deliveries are sent right after `ready`, before the pong
  expect(again.pending()).toEqual([]);
  again.close();
  await again.closed;
}

describe('relay', () => {
  it('forwards a blob to an online recipient with the sender stamped, then answers accepted', async () => {
    const server = await startServer();
    const [alice, bob] = await Promise.all([TestClient.authenticated(server.url), TestClient.authenticated(server.url)]);
    const { id: mallory } = await generateIdentityKeys();
    const id = newMessageId();
    const blob = toBase64Url(randomBytes(330));
    const before = Date.now();
    alice.send({ t: 'send', to: bob.identity.id, id, blob, from: mallory, via: 'mailbox', extra: 1 });

    const delivered = await bob.next('deliver');
    expect(delivered).toStrictEqual({ t: 'deliver', id, from: alice.identity.id, blob, via: 'relay', ts: delivered.ts });
    expect(delivered.ts).toBeGreaterThanOrEqual(before);
    expect(await alice.answerTo(id)).toStrictEqual({ t: 'accepted', id, via: 'relay' });
  });
});

describe('mailbox', () => {
  it('keeps blobs for an offline recipient, delivers them in order on connect, and deletes them on ack', async () => {
    const server = await startServer({ dataDir: await tempDataDir() });
    const alice = await TestClient.authenticated(server.url);
    const bobKeys = await generateIdentityKeys();
    const sent = blobs(5);
    const before = Date.now();
    const { ids, answers } = await alice.sendBlobs(bobKeys.id, sent);
    for (const [i, answer] of answers.entries()) {
      expect(answer).toMatchObject({ t: 'accepted', id: ids[i], via: 'mailbox' });
      expect((answer as FrameOf<'accepted'>).expiresAt).toBeGreaterThanOrEqual(before + 30 * 24 * 3600 * 1000);
    }

    const bob = await TestClient.authenticated(server.url, { identity: bobKeys });
    const delivered = await bob.receiveBlobs(5);
    expect(delivered.map(({ id, from, blob, via }) => ({ id, from, blob, via }))).toEqual(
      sent.map((bytes, i) => ({ id: ids[i], from: alice.identity.id, blob: toBase64Url(bytes), via: 'mailbox' })),
    );
    expect(delivered.every((d) => d.ts >= before && d.ts <= Date.now())).toBe(true);
    await bob.roundTrip();
    bob.close();
    await bob.closed;

    // The acknowledgements were committed in the turn they arrived, long before a new socket
    // can have authenticated.
    await expectMailboxEmpty(server.url, bobKeys);
  });

  it('delivers a blob accepted while its recipient was connecting', async () => {
    const server = await startServer();
    const alice = await TestClient.authenticated(server.url);
    const bobKeys = await generateIdentityKeys();
    const bobConnecting = TestClient.authenticated(server.url, { identity: bobKeys });
    const { ids } = await alice.sendBlobs(bobKeys.id, blobs(20));
    const bob = await bobConnecting;
    // Each came by relay or from the mailbox, whichever was first; none is lost or doubled.
    expect((await bob.receiveBlobs(20)).map((d) => d.id).sort()).toEqual([...ids].sort());
    await bob.roundTrip();
    expect(bob.pending()).toEqual([]);
  });

  it('keeps at most deliveryWindow deliveries unacknowledged, and delivers all in order by acking', async () => {
    const window = 8;
    const server = await startServer({ limits: { deliveryWindow: window } });
    const alice = await TestClient.authenticated(server.url);
    const bobKeys = await generateIdentityKeys();
    const { ids } = await alice.sendBlobs(bobKeys.id, blobs(200, 40));

    const bob = await TestClient.authenticated(server.url, { identity: bobKeys });
    const received: string[] = [];
    let acked = 0;
    while (received.length < ids.length) {
      const expected = Math.min(acked + window, ids.length);
      while (received.length < expected) received.push((await bob.next('deliver')).id);
      await bob.roundTrip();
      // The server has seen at most `acked` acks, so more than this would break the window.
      expect(bob.pending().filter((f) => f.t === 'deliver')).toEqual([]);
      // Acknowledge one to three of the oldest, so that the window refills unevenly.
      for (let k = 0; k <= received.length % 3 && acked < received.length; k++) bob.ack(received[acked++]!);
    }
    while (acked < received.length) bob.ack(received[acked++]!);
    expect(received).toEqual(ids);
    await bob.roundTrip();
    bob.close();
    await bob.closed;
    await expectMailboxEmpty(server.url, bobKeys);
  });

  it('resends on a new connection what the previous one did not acknowledge', async () => {
    const server = await startServer({ limits: { deliveryWindow: 4 } });
    const alice = await TestClient.authenticated(server.url);
    const bobKeys = await generateIdentityKeys();
    const { ids } = await alice.sendBlobs(bobKeys.id, blobs(6));
    const first = await TestClient.authenticated(server.url, { identity: bobKeys });
    const [a, b] = await first.receiveBlobs(2, { ack: false });
    first.ack(a!.id);
    expect(b!.id).toBe(ids[1]);
    await first.next('deliver'); // the third of the window…
    await first.next('deliver'); // …the fourth, and the fifth once `a` was acknowledged
    expect((await first.next('deliver')).id).toBe(ids[4]);
    first.close();
    await first.closed;

    const second = await TestClient.authenticated(server.url, { identity: bobKeys });
    expect((await second.receiveBlobs(5)).map((d) => d.id)).toEqual(ids.slice(1));
  });

  it('stores one copy of a duplicate (recipient, id) and answers both sends alike', async () => {
    const server = await startServer();
    const alice = await TestClient.authenticated(server.url);
    const bobKeys = await generateIdentityKeys();
    const id = newMessageId();
    alice.sendBlob(bobKeys.id, id, randomBytes(100));
    const first = await alice.answerTo(id);
    alice.sendBlob(bobKeys.id, id, randomBytes(100));
    const second = await alice.answerTo(id);
    expect(first).toMatchObject({ t: 'accepted', id, via: 'mailbox' });
    expect(second).toEqual(first);

    const bob = await TestClient.authenticated(server.url, { identity: bobKeys });
    expect(await bob.next('deliver')).toMatchObject({ id });
    await bob.roundTrip();
    expect(bob.pending()).toEqual([]);
  });

  it('leaves no blob bytes in the database, its WAL or the log once everything was acknowledged', async () => {
    const dataDir = await tempDataDir();
    const server = await startServer({ dataDir });
    const [alice, bobKeys] = await Promise.all([TestClient.authenticated(server.url), generateIdentityKeys()]);
    const marker = 'TINCAN-AT-REST-MARKER-';
    // Small blobs share pages; 10 KB ones spill into overflow pages.
    const sent = [300, 10_000, 40, 5_000, 330, 12_000].map((size) => Buffer.from(marker.repeat(Math.ceil(size / marker.length)).slice(0, size)));
    const encodedMarkers = sent.map((bytes) => toBase64Url(bytes).slice(0, 40));
    const files = ['mailbox.sqlite', 'mailbox.sqlite-wal', 'mailbox.sqlite-shm'].map((name) => join(dataDir, name));
    const fileContents = async (): Promise<string> =>
      (await Promise.all(files.map((file) => readFile(file, 'latin1').catch(() => '')))).join('\n');

    const { ids } = await alice.sendBlobs(bobKeys.id, sent);
    expect(await fileContents()).toContain(marker); // the check below can see blob bytes
    for (const file of files.slice(0, 2)) expect((await stat(file)).mode & 0o777).toBe(0o600);
    // Someone else's blob stays, so the pages and the mailbox do not simply empty.
    const { id: carol } = await generateIdentityKeys();
    await alice.sendBlobs(carol, [Buffer.from('UNRELATED'.repeat(100))]);

    const bob = await TestClient.authenticated(server.url, { identity: bobKeys });
    expect((await bob.receiveBlobs(sent.length)).map((d) => d.id)).toEqual(ids);

    // The acknowledgements are committed and the WAL truncated in the background: poll.
    const deadline = Date.now() + 5_000;
    let contents = await fileContents();
    while (contents.includes(marker) && Date.now() < deadline) {
      await sleep(20);
      contents = await fileContents();
    }
    expect(contents).not.toContain(marker);
    for (const encoded of encodedMarkers) expect(contents).not.toContain(encoded);

    await server.close();
    const log = server.logLines.join('\n');
    for (const secret of [marker, ...encodedMarkers, ...ids, alice.identity.id, bobKeys.id, carol]) expect(log).not.toContain(secret);
  });
});
