import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { generateIdentityKeys } from '../../web/crypto/identity.ts';
import { toBase64Url } from '../../web/protocol/encoding.ts';
import { CLOSE_CODES } from '../../web/protocol/errors.ts';
import type { PeerId } from '../../web/protocol/ids.ts';
import type { PublishedOneTimePrekey, PublishedSignedPrekey, ServerFrame } from '../../web/protocol/server-frames.ts';
import { startServer, tempDataDir } from '../fixtures/server.ts';
import { expectServing, TestClient, type FrameOf } from '../fixtures/ws-client.ts';

// X3DH prekeys on the server: owners publish, others fetch bundles, each one-time prekey is handed
// out once. The server cannot check keys or signatures (clients do), so random bytes of the
// right lengths stand in for them here.

const randomKey = (): string => toBase64Url(randomBytes(32));
const signedPrekey = (id = 1): PublishedSignedPrekey => ({ id, key: randomKey(), createdAt: Date.now(), sig: toBase64Url(randomBytes(64)) });
/** One-time prekeys with the given IDs, in that order. */
const oneTimePrekeys = (ids: number[]): PublishedOneTimePrekey[] => ids.map((id) => ({ id, key: randomKey() }));
const range = (from: number, count: number): number[] => Array.from({ length: count }, (_, i) => from + i);

/** Publishes and resolves with the answer: `prekeys_stored`, or an error. */
async function publish(client: TestClient, signed: PublishedSignedPrekey, oneTime: PublishedOneTimePrekey[], replace?: boolean): Promise<ServerFrame> {
  client.send({ t: 'prekeys', signed, oneTime, ...(replace === undefined ? {} : { replace }) });
  return client.next((f) => f.t === 'prekeys_stored' || f.t === 'error');
}

/** Asks for `peer`'s bundle and resolves with the answer: the bundle, or an error naming `peer`. */
async function fetchBundle(client: TestClient, peer: PeerId): Promise<ServerFrame> {
  client.send({ t: 'bundle', peer });
  return client.next((f) => (f.t === 'bundle' && f.peer === peer) || (f.t === 'error' && f.ref === peer));
}

const bundleOf = (peer: PeerId, signed: PublishedSignedPrekey, oneTime?: PublishedOneTimePrekey): FrameOf<'bundle'> => ({
  t: 'bundle',
  peer,
  signed,
  ...(oneTime ? { oneTime } : {}),
});

/** Everything the server sent `client` so far, prekeys_low included, once a round trip shows it has all arrived. */
async function allPending(client: TestClient): Promise<ServerFrame[]> {
  await client.roundTrip();
  return client.pending({ withPrekeysLow: true });
}

/** A new identity that has taken its `prekeys_low` and published `signed` and `oneTime`. */
async function owner(serverUrl: string, signed: PublishedSignedPrekey, oneTime: PublishedOneTimePrekey[]): Promise<TestClient> {
  const client = await TestClient.authenticated(serverUrl);
  expect(await client.next('prekeys_low')).toEqual({ t: 'prekeys_low', count: 0 });
  expect(await publish(client, signed, oneTime)).toEqual({ t: 'prekeys_stored', count: oneTime.length });
  return client;
}

describe('prekey bundles', () => {
  it('hands out the signed prekey with the oldest one-time prekey, each one once, then none', async () => {
    const server = await startServer({ limits: { prekeysLowThreshold: 2 } });
    const signed = signedPrekey();
    // Publication order, not ID order: IDs wrap around at 2^32 and start at a random point.
    const first = oneTimePrekeys([4_294_967_294, 4_294_967_295]);
    const second = oneTimePrekeys([1, 2]);
    const alice = await owner(server.url, signed, first);
    expect(await publish(alice, signed, second)).toEqual({ t: 'prekeys_stored', count: 4 });
    const bob = await TestClient.authenticated(server.url);

    expect(await fetchBundle(bob, alice.identity.id)).toStrictEqual(bundleOf(alice.identity.id, signed, first[0]));
    expect(await fetchBundle(bob, alice.identity.id)).toStrictEqual(bundleOf(alice.identity.id, signed, first[1]));
    expect(await allPending(alice)).toEqual([]); // 2 left: not below the threshold yet
    for (const [i, prekey] of second.entries()) {
      expect(await fetchBundle(bob, alice.identity.id)).toStrictEqual(bundleOf(alice.identity.id, signed, prekey));
      expect(await alice.next('prekeys_low')).toEqual({ t: 'prekeys_low', count: 1 - i });
    }
    // Used up: X3DH goes on without a one-time prekey, and the owner keeps being reminded.
    expect(await fetchBundle(bob, alice.identity.id)).toStrictEqual(bundleOf(alice.identity.id, signed));
    expect(await alice.next('prekeys_low')).toEqual({ t: 'prekeys_low', count: 0 });
    // Bob was told only about his own prekeys, once, after `ready`.
    expect(await allPending(bob)).toEqual([{ t: 'prekeys_low', count: 0 }]);
  });

  it('sends prekeys_low after ready only to an identity short of prekeys', async () => {
    const server = await startServer({ limits: { prekeysLowThreshold: 3 } });
    const alice = await owner(server.url, signedPrekey(), oneTimePrekeys([1, 2, 3]));
    alice.close();
    await alice.closed;

    const again = await TestClient.authenticated(server.url, { identity: alice.identity });
    expect(await allPending(again)).toEqual([]);
    const bob = await TestClient.authenticated(server.url);
    expect(await fetchBundle(bob, alice.identity.id)).toMatchObject({ t: 'bundle', oneTime: { id: 1 } });
    expect(await again.next('prekeys_low')).toEqual({ t: 'prekeys_low', count: 2 });
    again.close();
    await again.closed;

    // Offline when its bundle was fetched: told on its next connection, right after `ready`.
    const third = await TestClient.authenticated(server.url, { identity: alice.identity });
    expect(await third.next()).toEqual({ t: 'prekeys_low', count: 2 });
  });

  it('never hands the same one-time prekey to two requesters', async () => {
    const server = await startServer();
    const published = oneTimePrekeys(range(100, 30));
    const alice = await owner(server.url, signedPrekey(), published);
    const fetchers = await Promise.all(range(0, 5).map(() => TestClient.authenticated(server.url)));

    // 50 requests from 5 connections, all in flight at once.
    for (const fetcher of fetchers) for (let i = 0; i < 10; i++) fetcher.send({ t: 'bundle', peer: alice.identity.id });
    const answers = (await Promise.all(fetchers.map(async (fetcher) => Promise.all(range(0, 10).map(() => fetcher.next('bundle')))))).flat();

    const handedOut = answers.flatMap((bundle) => (bundle.oneTime ? [bundle.oneTime] : []));
    expect(handedOut).toHaveLength(30);
    expect(new Set(handedOut.map((prekey) => prekey.key)).size).toBe(30);
    expect([...handedOut].sort((a, b) => a.id - b.id)).toEqual(published);
    expect(await fetchBundle(fetchers[0]!, alice.identity.id)).not.toHaveProperty('oneTime');
  });

  it('replaces the signed prekey on rotation and keeps the one-time prekeys', async () => {
    const server = await startServer();
    const [old, rotated] = [signedPrekey(1), signedPrekey(2)];
    const oneTime = oneTimePrekeys([1, 2, 3]);
    const alice = await owner(server.url, old, oneTime);
    const bob = await TestClient.authenticated(server.url);
    expect(await fetchBundle(bob, alice.identity.id)).toStrictEqual(bundleOf(alice.identity.id, old, oneTime[0]));

    expect(await publish(alice, rotated, [])).toEqual({ t: 'prekeys_stored', count: 2 });
    expect(await fetchBundle(bob, alice.identity.id)).toStrictEqual(bundleOf(alice.identity.id, rotated, oneTime[1]));
    // The same ID with another key is a replacement too: the server keeps no history.
    const sameId = signedPrekey(2);
    expect(await publish(alice, sameId, [])).toEqual({ t: 'prekeys_stored', count: 1 });
    expect(await fetchBundle(bob, alice.identity.id)).toStrictEqual(bundleOf(alice.identity.id, sameId, oneTime[2]));
  });

  it('a publication with replace (a new device of the identity) drops the one-time prekeys held before', async () => {
    const server = await startServer();
    const alice = await owner(server.url, signedPrekey(1), oneTimePrekeys([1, 2, 3]));
    alice.close();
    await alice.closed;

    const restored = await TestClient.authenticated(server.url, { identity: alice.identity });
    const signed = signedPrekey(9);
    const fresh = oneTimePrekeys([50, 51]);
    expect(await publish(restored, signed, fresh, true)).toEqual({ t: 'prekeys_stored', count: 2 });
    const bob = await TestClient.authenticated(server.url);
    expect(await fetchBundle(bob, alice.identity.id)).toStrictEqual(bundleOf(alice.identity.id, signed, fresh[0]));
    expect(await fetchBundle(bob, alice.identity.id)).toStrictEqual(bundleOf(alice.identity.id, signed, fresh[1]));
    expect(await fetchBundle(bob, alice.identity.id)).toStrictEqual(bundleOf(alice.identity.id, signed));
  });

  it('answers no_prekeys for an identity that never published, and bad_target for oneself', async () => {
    const server = await startServer();
    const signed = signedPrekey();
    const oneTime = oneTimePrekeys([1]);
    const alice = await owner(server.url, signed, oneTime);
    const { id: absent } = await generateIdentityKeys();
    const online = await TestClient.authenticated(server.url);
    expect(await fetchBundle(alice, absent)).toMatchObject({ t: 'error', code: 'no_prekeys', ref: absent });
    expect(await fetchBundle(alice, online.identity.id)).toMatchObject({ t: 'error', code: 'no_prekeys', ref: online.identity.id });

    // Refused: nobody starts a session with themselves, and it would burn their own prekey.
    expect(await fetchBundle(alice, alice.identity.id)).toMatchObject({ t: 'error', code: 'bad_target', ref: alice.identity.id });
    expect(await fetchBundle(online, alice.identity.id)).toStrictEqual(bundleOf(alice.identity.id, signed, oneTime[0]));
  });
});

describe('bad prekey input', () => {
  const signed = signedPrekey();
  it.each([
    ['a key of 31 bytes', { t: 'prekeys', signed: { ...signed, key: toBase64Url(randomBytes(31)) }, oneTime: [] }],
    ['a signature of 63 bytes', { t: 'prekeys', signed: { ...signed, sig: toBase64Url(randomBytes(63)) }, oneTime: [] }],
    ['a negative one-time ID', { t: 'prekeys', signed, oneTime: [{ id: -1, key: randomKey() }] }],
    ['a fractional one-time ID', { t: 'prekeys', signed, oneTime: [{ id: 0.5, key: randomKey() }] }],
    ['one one-time prekey too many', { t: 'prekeys', signed, oneTime: oneTimePrekeys(range(0, 101)) }],
    ['a publication without a signed prekey', { t: 'prekeys', oneTime: oneTimePrekeys([1]) }],
  ])('answers %s with bad_frame, stores nothing and keeps serving', async (_, frame) => {
    const server = await startServer();
    const alice = await TestClient.authenticated(server.url);
    alice.send(frame);
    const error = await alice.next('error');
    expect(error).toMatchObject({ code: 'bad_frame' });
    expect(error.ref).toBeUndefined();
    const bob = await TestClient.authenticated(server.url);
    expect(await fetchBundle(bob, alice.identity.id)).toMatchObject({ t: 'error', code: 'no_prekeys' });
    await alice.roundTrip();
    await expectServing(server.url);
  });

  it('answers a bundle request for a malformed ID with bad_frame', async () => {
    const server = await startServer();
    const client = await TestClient.authenticated(server.url);
    client.send({ t: 'bundle', peer: randomKey().slice(1) });
    expect(await client.next('error')).toMatchObject({ code: 'bad_frame' });
    await client.roundTrip();
  });

  it('refuses prekey frames before authentication', async () => {
    const server = await startServer();
    for (const frame of [{ t: 'prekeys', signed, oneTime: [] }, { t: 'bundle', peer: randomKey() }]) {
      const client = await TestClient.connect(server.url);
      await client.next('challenge');
      client.send(frame);
      expect(await client.next('error')).toMatchObject({ code: 'not_authenticated' });
      expect((await client.closed).code).toBe(CLOSE_CODES.protocolViolation);
    }
    await expectServing(server.url);
  });

  it('stores nothing from a publication over the limits (prekey_limit), and counts only new IDs', async () => {
    const server = await startServer({ limits: { maxOneTimePrekeys: 5, maxOneTimePrekeysPerFrame: 5 } });
    const [kept, refused] = [signedPrekey(1), signedPrekey(2)];
    const oneTime = oneTimePrekeys(range(1, 6));
    const alice = await owner(server.url, kept, oneTime.slice(0, 3));

    expect(await publish(alice, refused, oneTime.slice(3, 6))).toMatchObject({ t: 'error', code: 'prekey_limit' }); // 6 held
    expect(await publish(alice, refused, oneTimePrekeys(range(10, 6)))).toMatchObject({ t: 'error', code: 'prekey_limit' }); // 6 in the frame
    // IDs already held are skipped, so resending them costs nothing: exactly at the limit.
    expect(await publish(alice, kept, oneTime.slice(0, 5))).toEqual({ t: 'prekeys_stored', count: 5 });
    expect(await publish(alice, kept, [{ id: 1, key: randomKey() }])).toEqual({ t: 'prekeys_stored', count: 5 });

    const bob = await TestClient.authenticated(server.url);
    for (const prekey of oneTime.slice(0, 5)) {
      expect(await fetchBundle(bob, alice.identity.id)).toStrictEqual(bundleOf(alice.identity.id, kept, prekey));
    }
    expect(await fetchBundle(bob, alice.identity.id)).toStrictEqual(bundleOf(alice.identity.id, kept));
    await expectServing(server.url);
  });

  it('limits bundle fetches per requester ID with rate_limited, across reconnects, serving others', async () => {
    const server = await startServer({ limits: { bundleRatePerMinute: 0.001, bundleRateBurst: 2 } });
    const signed = signedPrekey();
    const oneTime = oneTimePrekeys(range(1, 5));
    const alice = await owner(server.url, signed, oneTime);
    const bob = await TestClient.authenticated(server.url);
    expect(await fetchBundle(bob, alice.identity.id)).toMatchObject({ t: 'bundle', oneTime: oneTime[0] });
    expect(await fetchBundle(bob, alice.identity.id)).toMatchObject({ t: 'bundle', oneTime: oneTime[1] });
    expect(await fetchBundle(bob, alice.identity.id)).toMatchObject({ t: 'error', code: 'rate_limited', ref: alice.identity.id });
    await bob.roundTrip(); // still open
    bob.close();
    await bob.closed;
    const bobAgain = await TestClient.authenticated(server.url, { identity: bob.identity });
    expect(await fetchBundle(bobAgain, alice.identity.id)).toMatchObject({ t: 'error', code: 'rate_limited' });

    // The refused fetches took nothing.
    const carol = await TestClient.authenticated(server.url);
    expect(await fetchBundle(carol, alice.identity.id)).toStrictEqual(bundleOf(alice.identity.id, signed, oneTime[2]));
    await expectServing(server.url);
  });

  it('answers server_error when the store fails, and hands the same one-time prekey out later', async () => {
    const dataDir = await tempDataDir();
    const server = await startServer({ dataDir });
    const signed = signedPrekey();
    const oneTime = oneTimePrekeys([1, 2]);
    const alice = await owner(server.url, signed, oneTime);
    const saboteur = new Database(join(dataDir, 'mailbox.sqlite'));
    saboteur.exec("CREATE TRIGGER fail BEFORE DELETE ON one_time_prekeys BEGIN SELECT RAISE(ABORT, 'disk on fire'); END");
    const bob = await TestClient.authenticated(server.url);
    expect(await fetchBundle(bob, alice.identity.id)).toMatchObject({ t: 'error', code: 'server_error', ref: alice.identity.id });
    expect(server.logLines).toContain('prekeys: bundle failed: disk on fire');

    saboteur.exec('DROP TRIGGER fail');
    saboteur.close();
    expect(await fetchBundle(bob, alice.identity.id)).toStrictEqual(bundleOf(alice.identity.id, signed, oneTime[0]));
  });
});

describe('prekeys at rest', () => {
  /** The database file and its WAL, as text, to look for keys in. */
  const fileContents = async (dataDir: string): Promise<string> =>
    (await Promise.all(['mailbox.sqlite', 'mailbox.sqlite-wal'].map((name) => readFile(join(dataDir, name), 'latin1').catch(() => '')))).join('\n');

  it('survive a restart; a one-time prekey handed out is never handed out again, nor left in the file', async () => {
    const dataDir = await tempDataDir();
    const signed = signedPrekey();
    const oneTime = oneTimePrekeys([1, 2, 3]);
    const first = await startServer({ dataDir });
    const alice = await owner(first.url, signed, oneTime);
    const bob = await TestClient.authenticated(first.url);
    expect(await fetchBundle(bob, alice.identity.id)).toStrictEqual(bundleOf(alice.identity.id, signed, oneTime[0]));
    await first.close();

    const second = await startServer({ dataDir });
    const aliceAgain = await TestClient.authenticated(second.url, { identity: alice.identity });
    expect(await aliceAgain.next('prekeys_low')).toEqual({ t: 'prekeys_low', count: 2 });
    const bobAgain = await TestClient.authenticated(second.url, { identity: bob.identity });
    for (const prekey of oneTime.slice(1)) {
      expect(await fetchBundle(bobAgain, alice.identity.id)).toStrictEqual(bundleOf(alice.identity.id, signed, prekey));
    }
    expect(await fetchBundle(bobAgain, alice.identity.id)).toStrictEqual(bundleOf(alice.identity.id, signed));
    await second.close();

    // Deleted rows are zeroed (secure_delete); the signed prekey, still held, shows the check can see keys.
    const contents = await fileContents(dataDir);
    expect(contents).toContain(signed.key);
    for (const prekey of oneTime) expect(contents).not.toContain(prekey.key);
    const log = [...first.logLines, ...second.logLines].join('\n');
    for (const secret of [alice.identity.id, bob.identity.id, signed.key]) expect(log).not.toContain(secret);
  });

  it('upgrades a data directory of the schema before prekeys, keeping its mailbox', async () => {
    const dataDir = await tempDataDir();
    const path = join(dataDir, 'mailbox.sqlite');
    const [alice, bob] = await Promise.all([generateIdentityKeys(), generateIdentityKeys()]);
    const stored = range(0, 3).map((i) => ({ id: toBase64Url(randomBytes(16)), blob: randomBytes(100 + i) }));
    const old = new Database(path);
    old.pragma('journal_mode = WAL');
    // Schema version 1 as servers before prekeys created it (signal-server/mailbox-schema.ts at
    // that time): a frozen copy, so that a change to the first migration cannot go unnoticed.
    old.exec(`CREATE TABLE blobs (
       seq INTEGER PRIMARY KEY AUTOINCREMENT,
       recipient TEXT NOT NULL,
       sender TEXT NOT NULL,
       id TEXT NOT NULL,
       blob BLOB NOT NULL,
       size INTEGER NOT NULL,
       accepted_at INTEGER NOT NULL,
       expires_at INTEGER NOT NULL,
       UNIQUE (recipient, id)
     ) STRICT;
     CREATE INDEX blobs_by_recipient ON blobs (recipient, seq);
     CREATE INDEX blobs_by_expiry ON blobs (expires_at);`);
    old.pragma('user_version = 1');
    const insert = old.prepare('INSERT INTO blobs (recipient, sender, id, blob, size, accepted_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    const now = Date.now();
    for (const { id, blob } of stored) insert.run(bob.id, alice.id, id, blob, blob.byteLength, now, now + 86_400_000);
    old.close();

    const server = await startServer({ dataDir });
    const bobClient = await TestClient.authenticated(server.url, { identity: bob });
    const delivered = await bobClient.receiveBlobs(stored.length);
    expect(delivered.map(({ id, from, blob, ts }) => ({ id, from, blob, ts }))).toEqual(
      stored.map(({ id, blob }) => ({ id, from: alice.id, blob: toBase64Url(blob), ts: now })),
    );
    const signed = signedPrekey();
    const oneTime = oneTimePrekeys([1]);
    expect(await publish(bobClient, signed, oneTime)).toEqual({ t: 'prekeys_stored', count: 1 });
    const aliceClient = await TestClient.authenticated(server.url, { identity: alice });
    expect(await fetchBundle(aliceClient, bob.id)).toStrictEqual(bundleOf(bob.id, signed, oneTime[0]));
    await server.close();

    const upgraded = new Database(path, { readonly: true });
    expect(upgraded.pragma('user_version', { simple: true })).toBeGreaterThanOrEqual(2);
    expect(upgraded.prepare('SELECT count(*) AS n FROM signed_prekeys').get()).toEqual({ n: 1 });
    upgraded.close();
  });
});
