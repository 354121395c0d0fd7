import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { generateIdentityKeys } from '../../web/crypto/identity.ts';
import { startServer, tempDataDir } from '../fixtures/server.ts';
import { expectServing, newMessageId, TestClient, type FrameOf } from '../fixtures/ws-client.ts';

// Every bad `send` or `ack` is answered with its own error code naming the blob's ID, keeps the
// socket open, and costs nobody else a message.

/** Alice online, Bob's identity made but not connected. */
async function aliceAndOfflineBob(serverUrl: string): Promise<{ alice: TestClient; bobKeys: TestClient['identity'] }> {
  const [alice, bobKeys] = await Promise.all([TestClient.authenticated(serverUrl), generateIdentityKeys()]);
  return { alice, bobKeys };
}

/** Bob connects and gets exactly `ids`, in order, and nothing else. */
async function expectDelivered(serverUrl: string, bobKeys: TestClient['identity'], ids: string[]): Promise<TestClient> {
  const bob = await TestClient.authenticated(serverUrl, { identity: bobKeys });
  expect((await bob.receiveBlobs(ids.length)).map((d) => d.id)).toEqual(ids);
  await bob.roundTrip();
  expect(bob.pending()).toEqual([]);
  return bob;
}

const errorFor = (id: string, code: string): Partial<FrameOf<'error'>> => ({ t: 'error', code: code as FrameOf<'error'>['code'], ref: id });

describe('bad sends and acks', () => {
  it('answers an ack of an unknown ID with unknown_message', async () => {
    const server = await startServer();
    const client = await TestClient.authenticated(server.url);
    const id = newMessageId();
    client.ack(id);
    expect(await client.next('error')).toMatchObject(errorFor(id, 'unknown_message'));
    await client.roundTrip();
    await expectServing(server.url);
  });

  it("answers an ack of someone else's message like an unknown one, and deletes nothing", async () => {
    const server = await startServer();
    const { alice, bobKeys } = await aliceAndOfflineBob(server.url);
    const { ids } = await alice.sendBlobs(bobKeys.id, [randomBytes(50)]);
    const mallory = await TestClient.authenticated(server.url);
    mallory.ack(ids[0]!);
    expect(await mallory.next('error')).toMatchObject(errorFor(ids[0]!, 'unknown_message'));
    alice.ack(ids[0]!); // not even its sender may delete it
    expect(await alice.next('error')).toMatchObject(errorFor(ids[0]!, 'unknown_message'));

    const bob = await expectDelivered(server.url, bobKeys, ids);
    bob.ack(ids[0]!);
    await bob.roundTrip();
    bob.ack(ids[0]!); // acknowledged twice: the second finds nothing
    expect(await bob.next('error')).toMatchObject(errorFor(ids[0]!, 'unknown_message'));
  });

  it('refuses a blob over maxBlobBytes, or not canonical base64url, and stores nothing', async () => {
    const server = await startServer({ limits: { maxBlobBytes: 100 } });
    const { alice, bobKeys } = await aliceAndOfflineBob(server.url);
    const { ids, answers } = await alice.sendBlobs(bobKeys.id, [randomBytes(101), randomBytes(100)]);
    expect(answers[0]).toMatchObject(errorFor(ids[0]!, 'blob_too_large'));
    expect(answers[1]).toMatchObject({ t: 'accepted', id: ids[1], via: 'mailbox' });

    const badId = newMessageId();
    alice.send({ t: 'send', to: bobKeys.id, id: badId, blob: 'AB' }); // trailing bits set: not canonical
    expect(await alice.answerTo(badId)).toMatchObject(errorFor(badId, 'bad_frame'));

    await expectDelivered(server.url, bobKeys, [ids[1]!]);
    await expectServing(server.url);
  });

  it('refuses blobs over the count or byte quota with quota_exceeded, keeping the earlier ones', async () => {
    const server = await startServer({ limits: { mailboxMaxCount: 3, mailboxMaxBytes: 1_000 } });
    const { alice, bobKeys } = await aliceAndOfflineBob(server.url);
    const byCount = await alice.sendBlobs(bobKeys.id, [10, 10, 10, 10].map((n) => randomBytes(n)));
    expect(byCount.answers.map((a) => a.t)).toEqual(['accepted', 'accepted', 'accepted', 'error']);
    expect(byCount.answers[3]).toMatchObject(errorFor(byCount.ids[3]!, 'quota_exceeded'));

    const carolKeys = await generateIdentityKeys();
    const bySize = await alice.sendBlobs(carolKeys.id, [600, 401, 400].map((n) => randomBytes(n)));
    expect(bySize.answers.map((a) => a.t)).toEqual(['accepted', 'error', 'accepted']);
    expect(bySize.answers[1]).toMatchObject(errorFor(bySize.ids[1]!, 'quota_exceeded'));

    await expectDelivered(server.url, bobKeys, byCount.ids.slice(0, 3));
    await expectDelivered(server.url, carolKeys, [bySize.ids[0]!, bySize.ids[2]!]);
    await expectServing(server.url);
  });

  it('never delivers an expired blob', async () => {
    const server = await startServer({ limits: { mailboxTtlMs: 1 } });
    const { alice, bobKeys } = await aliceAndOfflineBob(server.url);
    const { answers } = await alice.sendBlobs(bobKeys.id, [randomBytes(50)]);
    const expiresAt = (answers[0] as FrameOf<'accepted'>).expiresAt!;
    while (Date.now() <= expiresAt) await sleep(1); // a condition on the clock, not a guess
    // Not swept yet (the sweeper runs hourly; tests/unit/mailbox.test.ts covers it), just hidden.
    await expectDelivered(server.url, bobKeys, []);
  });

  it('limits sends per sender ID with rate_limited naming the blob, across reconnects, without closing', async () => {
    const server = await startServer({ limits: { sendRatePerSecond: 0.001, sendRateBurst: 2 } });
    const { alice, bobKeys } = await aliceAndOfflineBob(server.url);
    const { ids, answers } = await alice.sendBlobs(bobKeys.id, [1, 2, 3].map((n) => randomBytes(n)));
    expect(answers.map((a) => a.t)).toEqual(['accepted', 'accepted', 'error']);
    expect(answers[2]).toMatchObject(errorFor(ids[2]!, 'rate_limited'));
    await alice.roundTrip(); // still open

    alice.close();
    await alice.closed;
    const again = await TestClient.authenticated(server.url, { identity: alice.identity });
    const retry = await again.sendBlobs(bobKeys.id, [randomBytes(3)]);
    expect(retry.answers[0]).toMatchObject(errorFor(retry.ids[0]!, 'rate_limited'));

    await expectDelivered(server.url, bobKeys, ids.slice(0, 2));
    await expectServing(server.url);
  });

  it('refuses a send to oneself with bad_target', async () => {
    const server = await startServer();
    const alice = await TestClient.authenticated(server.url);
    const { ids, answers } = await alice.sendBlobs(alice.identity.id, [randomBytes(10)]);
    expect(answers[0]).toMatchObject(errorFor(ids[0]!, 'bad_target'));
    await alice.roundTrip();
    expect(alice.pending()).toEqual([]); // and nothing was delivered to itself
    await expectDelivered(server.url, alice.identity, []);
  });

  it('answers server_error when the commit fails, and stores the next one', async () => {
    const dataDir = await tempDataDir();
    const server = await startServer({ dataDir });
    const { alice, bobKeys } = await aliceAndOfflineBob(server.url);
    // Another connection to the file makes inserts of 13-byte blobs fail.
    const saboteur = new Database(join(dataDir, 'mailbox.sqlite'));
    saboteur.exec("CREATE TRIGGER fail BEFORE INSERT ON blobs WHEN NEW.size = 13 BEGIN SELECT RAISE(ABORT, 'disk on fire'); END");
    saboteur.close();
    const failed = await alice.sendBlobs(bobKeys.id, [randomBytes(13)]);
    expect(failed.answers[0]).toMatchObject(errorFor(failed.ids[0]!, 'server_error'));
    const stored = await alice.sendBlobs(bobKeys.id, [randomBytes(14)]);
    expect(stored.answers[0]).toMatchObject({ t: 'accepted', via: 'mailbox' });
    await expectDelivered(server.url, bobKeys, stored.ids);
    expect(server.logLines).toContain('mailbox: commit failed: disk on fire');
  });
});
