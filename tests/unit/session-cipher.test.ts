import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import { generateIdentityKeys, type IdentityKeys } from '../../web/crypto/identity.ts';
import type { PrekeyBundle } from '../../web/crypto/prekeys.ts';
import { RATCHET_LIMITS } from '../../web/crypto/ratchet.ts';
import { openEnvelope, sealPlaintexts, startSession, withNewSession, type SessionRow } from '../../web/crypto/session.ts';
import { COMPOSE_TABLES, writeMessages } from '../../web/messaging/compose.ts';
import { commitIncoming } from '../../web/messaging/receive.ts';
import { SessionCipher } from '../../web/messaging/session-cipher.ts';
import { toBase64Url, utf8 } from '../../web/protocol/encoding.ts';
import { parseEnvelope } from '../../web/protocol/envelope.ts';
import { decodePeerFrames, type MessagePeerFrame, type PeerFrame } from '../../web/protocol/peer-frames.ts';
import { db, type MessageRow } from '../../web/storage/db.ts';
import { listMessages } from '../../web/storage/messages.ts';
import { storePrekeys } from '../../web/storage/prekeys.ts';
import { bundleOf, publishPrekeys, type PublishedPrekeys } from '../fixtures/sessions.ts';

// The session store around the pure session code, on IndexedDB (fake-indexeddb here, Chromium's
// in the end-to-end tests): this device is Bob; Alice is played with the pure functions.

const messageFrame = (n: number): PeerFrame => ({ t: 'message', id: toBase64Url(new Uint8Array(16).fill(n)), seq: n, ts: 1000 + n, text: `m${n}` });
const commitMessages = (frames: PeerFrame[]) => commitIncoming(alice.id, frames.filter((f): f is MessagePeerFrame => f.t === 'message'));

let alice: IdentityKeys;
let bob: IdentityKeys;
let bobPrekeys: PublishedPrekeys;
let aliceRow: SessionRow;

/** Alice seals frames in her session with Bob. */
async function fromAlice(...frames: PeerFrame[]): Promise<Uint8Array[]> {
  const sealed = await sealPlaintexts(aliceRow, frames.map((f) => utf8(JSON.stringify(f))));
  aliceRow = sealed.row;
  return sealed.envelopes;
}

const noBundles = { fetchBundle: (): Promise<PrekeyBundle> => Promise.reject(new Error('no server in this test')) };

beforeEach(async () => {
  await Promise.all(db.tables.map((t) => t.clear()));
  [alice, bob] = await Promise.all([generateIdentityKeys(), generateIdentityKeys()]);
  bobPrekeys = await publishPrekeys(bob);
  await storePrekeys(bobPrekeys.signedPrekey, [bobPrekeys.oneTimePrekey]);
  aliceRow = withNewSession(undefined, bob.id, await startSession(alice, bob.id, bundleOf(bob, bobPrekeys), 1));
});

describe('SessionCipher.open', () => {
  it('commits the messages together with the session, and a replay changes nothing', async () => {
    const cipher = new SessionCipher(bob, noBundles);
    const envelopes = await fromAlice(messageFrame(1), messageFrame(2));
    const outcome = await cipher.open(alice.id, envelopes, commitMessages);
    expect(outcome.failures).toEqual([]);
    expect([outcome.sessionStarted, outcome.sessionChanged]).toEqual([true, false]);
    expect((await listMessages(alice.id)).map((m) => m.text)).toEqual(['m1', 'm2']);
    expect(await db.sessions.get(alice.id)).toBeDefined();
    expect(await db.prekeys.get(['one-time', bobPrekeys.oneTimePrekey.id])).toBeUndefined();
    expect((await db.contacts.get(alice.id))?.nameSource).toBe('unknown');

    const replay = await cipher.open(alice.id, envelopes, commitMessages);
    expect(replay.failures).toEqual(['duplicate', 'duplicate']);
    expect(await listMessages(alice.id)).toHaveLength(2);
  });

  it('a commit that fails rolls the session back too, so the same envelope opens later', async () => {
    const cipher = new SessionCipher(bob, noBundles);
    const [envelope] = await fromAlice(messageFrame(1));
    await expect(
      cipher.open(alice.id, [envelope!], () => Promise.reject(new Error('disk full'))),
    ).rejects.toThrow('disk full');
    expect(await db.sessions.get(alice.id)).toBeUndefined();
    expect(await db.prekeys.get(['one-time', bobPrekeys.oneTimePrekey.id])).toBeDefined();

    const outcome = await cipher.open(alice.id, [envelope!], commitMessages);
    expect(outcome.failures).toEqual([]);
    expect((await listMessages(alice.id)).map((m) => m.text)).toEqual(['m1']);
  });

  it('drops what does not open and keeps the rest of the batch', async () => {
    const cipher = new SessionCipher(bob, noBundles);
    const [first, second] = await fromAlice(messageFrame(1), messageFrame(2));
    const tampered = second!.slice();
    tampered[tampered.length - 1]! ^= 1;
    const outcome = await cipher.open(alice.id, [first!, tampered, Uint8Array.of(9, 9, 9)], commitMessages);
    expect(outcome.failures).toEqual(['decrypt_failed', 'envelope_unknown_version']);
    expect((await listMessages(alice.id)).map((m) => m.text)).toEqual(['m1']);
  });
  it('a one-time prekey opens one session only, even when two in one batch name it', async () => {
    const cipher = new SessionCipher(bob, noBundles);
    // A second session of Alice's from the same bundle: the server handed out the key twice.
    const replayRow = withNewSession(undefined, bob.id, await startSession(alice, bob.id, bundleOf(bob, bobPrekeys), 2));
    const sealed = sealPlaintexts(replayRow, [utf8(JSON.stringify(messageFrame(2)))]);
    const outcome = await cipher.open(alice.id, [...(await fromAlice(messageFrame(1))), ...sealed.envelopes], commitMessages);
    expect(outcome.failures).toEqual(['unknown_one_time_prekey']);
    expect((await listMessages(alice.id)).map((m) => m.text)).toEqual(['m1']);
    expect(await db.prekeys.get(['one-time', bobPrekeys.oneTimePrekey.id])).toBeUndefined();
  });
});

describe('SessionCipher.seal', () => {
  it('starts a session from a bundle that verifies, and stores it before returning envelopes', async () => {
    const carol = await generateIdentityKeys();
    const carolPrekeys = await publishPrekeys(carol);
    const cipher = new SessionCipher(bob, { fetchBundle: async () => bundleOf(carol, carolPrekeys) });
    const [envelope] = (await cipher.seal(carol.id, [messageFrame(1)]))!;
    const stored = await db.sessions.get(carol.id);
    expect(stored?.current.initiator).toBe(true);
    const parsed = parseEnvelope(envelope!, 64 * 1024);
    if (typeof parsed === 'string') throw new Error(parsed);
    const opened = await openEnvelope(carol, bob.id, undefined, parsed, { signed: carolPrekeys.signedPrekey, oneTime: carolPrekeys.oneTimePrekey }, 0);
    expect(JSON.parse(new TextDecoder().decode(opened.plaintext))).toEqual(messageFrame(1));
  });

  it('packs a burst into few envelopes when asked, and opening gives back every frame in order', async () => {
    const carol = await generateIdentityKeys();
    const carolPrekeys = await publishPrekeys(carol);
    const cipher = new SessionCipher(bob, { fetchBundle: async () => bundleOf(carol, carolPrekeys) });
    const frames = Array.from({ length: 70 }, (_, i) => messageFrame(i + 1));
    const envelopes = (await cipher.seal(carol.id, frames, { pack: true }))!;
    expect(envelopes).toHaveLength(2); // 64 + 6 (FRAME_PACK_LIMITS.frames)
    let carolRow: SessionRow | undefined;
    const opened: PeerFrame[] = [];
    for (const envelope of envelopes) {
      const parsed = parseEnvelope(envelope, 64 * 1024);
      if (typeof parsed === 'string') throw new Error(parsed);
      const result = openEnvelope(carol, bob.id, carolRow, parsed, { signed: carolPrekeys.signedPrekey, oneTime: carolPrekeys.oneTimePrekey }, 0);
      carolRow = result.row;
      opened.push(...(decodePeerFrames(result.plaintext) ?? []));
    }
    expect(opened).toEqual(frames);
  });

  it('seals in call order with one bundle fetch, even when a send comes while the session is being started', async () => {
    const carol = await generateIdentityKeys();
    const carolPrekeys = await publishPrekeys(carol);
    let fetches = 0;
    let release!: () => void;
    const fetched = new Promise<void>((resolve) => (release = resolve));
    const cipher = new SessionCipher(bob, {
      fetchBundle: async () => {
        fetches += 1;
        await fetched;
        return bundleOf(carol, carolPrekeys);
      },
    });
    const first = cipher.seal(carol.id, [messageFrame(1)]);
    await new Promise((resolve) => setTimeout(resolve, 10));
    const second = cipher.seal(carol.id, [messageFrame(2)]);
    release();
    const [[firstEnvelope], [secondEnvelope]] = [(await first)!, (await second)!];
    expect(fetches).toBe(1);
    // Carol opens the first envelope first: it is message 0 of the chain, so no key is skipped.
    const parsed = parseEnvelope(firstEnvelope!, 64 * 1024);
    if (typeof parsed === 'string') throw new Error(parsed);
    const opened = openEnvelope(carol, bob.id, undefined, parsed, { signed: carolPrekeys.signedPrekey, oneTime: carolPrekeys.oneTimePrekey }, 0);
    expect(JSON.parse(new TextDecoder().decode(opened.plaintext))).toEqual(messageFrame(1));
    expect(opened.row.current.state.skipped).toEqual([]);
    expect(secondEnvelope).toBeDefined();
  });

  it('without a session and told not to start one, seals nothing and fetches no bundle', async () => {
    const carol = await generateIdentityKeys();
    const cipher = new SessionCipher(bob, noBundles);
    expect(await cipher.seal(carol.id, [messageFrame(1)], { start: false })).toBeNull();
    expect(await db.sessions.get(carol.id)).toBeUndefined();
  });

  it('holds messages while a session change is unacknowledged, without using a message key', async () => {
    const carol = await generateIdentityKeys();
    const carolPrekeys = await publishPrekeys(carol);
    const cipher = new SessionCipher(bob, { fetchBundle: async () => bundleOf(carol, carolPrekeys) });
    await cipher.seal(carol.id, [messageFrame(1)]);
    const before = await db.sessions.get(carol.id);
    await db.contacts.put({ id: carol.id, name: 'carol', nameSource: 'user', addedAt: 0, sessionChangedAt: 5 });
    expect(await cipher.seal(carol.id, [messageFrame(2)], { holdable: true })).toBeNull();
    expect(await db.sessions.get(carol.id)).toEqual(before);
    // Receipts and sync are not held; neither are messages once the change is acknowledged.
    expect(await cipher.seal(carol.id, [messageFrame(2)])).toHaveLength(1);
    await db.contacts.update(carol.id, { sessionChangedAt: undefined });
    expect(await cipher.seal(carol.id, [messageFrame(3)], { holdable: true })).toHaveLength(1);
  });

  it('refuses a bundle the contact did not sign, and stores no session', async () => {
    const carol = await generateIdentityKeys();
    const mallory = await generateIdentityKeys();
    const forged: PrekeyBundle = { ...bundleOf(mallory, await publishPrekeys(mallory)), peer: carol.id };
    const cipher = new SessionCipher(bob, { fetchBundle: async () => forged });
    await expect(cipher.seal(carol.id, [messageFrame(1)])).rejects.toMatchObject({ code: 'bad_prekey_signature' });
    expect(await db.sessions.get(carol.id)).toBeUndefined();
  });
});

describe('SessionCipher.sealWritten', () => {
  let carol: IdentityKeys;
  let carolPrekeys: PublishedPrekeys;
  let fetches: number;
  let cipher: SessionCipher;

  beforeEach(async () => {
    carol = await generateIdentityKeys();
    carolPrekeys = await publishPrekeys(carol);
    fetches = 0;
    cipher = new SessionCipher(bob, {
      fetchBundle: async () => {
        fetches += 1;
        return bundleOf(carol, carolPrekeys);
      },
    });
  });

  const frameOf = (m: MessageRow): PeerFrame => ({ t: 'message', id: m.id, seq: m.seq, ts: m.sentAt, text: m.text });

  /** Writes `texts` as new messages to Carol and returns their frames, as the outbox does. */
  const writing = (texts: string[]) => async () => {
    const messages = await writeMessages(carol.id, texts, 2000);
    return { frames: messages.map(frameOf), result: messages };
  };

  /** Carol opens Bob's envelopes in the order given, from the first of the session. */
  function carolOpens(envelopes: Uint8Array[]): PeerFrame[] {
    let row: SessionRow | undefined;
    return envelopes.flatMap((envelope) => {
      const parsed = parseEnvelope(envelope, 64 * 1024);
      if (typeof parsed === 'string') throw new Error(parsed);
      const opened = openEnvelope(carol, bob.id, row, parsed, { signed: carolPrekeys.signedPrekey, oneTime: carolPrekeys.oneTimePrekey }, 0);
      row = opened.row;
      return decodePeerFrames(opened.plaintext) ?? [];
    });
  }

  it('stores the new messages with the session that sealed them, in one commit, and Carol reads them', async () => {
    const [first] = (await cipher.seal(carol.id, [messageFrame(1)]))!;
    const { result, envelopes } = await cipher.sealWritten(carol.id, COMPOSE_TABLES, writing(['hello', 'again']));
    expect((await listMessages(carol.id)).map((m) => m.text)).toEqual(['hello', 'again']);
    expect(await db.outbox.count()).toBe(2);
    expect((await db.sessions.get(carol.id))?.current.state.sendN).toBe(3);
    expect(carolOpens([first!, ...envelopes!])).toEqual([messageFrame(1), ...result.map(frameOf)]);
  });

  it('packs the new messages into one envelope when asked', async () => {
    const [first] = (await cipher.seal(carol.id, [messageFrame(1)]))!;
    const { result, envelopes } = await cipher.sealWritten(carol.id, COMPOSE_TABLES, writing(['a', 'b', 'c']), { pack: true });
    expect(envelopes).toHaveLength(1);
    expect(carolOpens([first!, ...envelopes!])).toEqual([messageFrame(1), ...result.map(frameOf)]);
  });

  it('without a session, stores the messages all the same, seals nothing and fetches no bundle', async () => {
    const { envelopes } = await cipher.sealWritten(carol.id, COMPOSE_TABLES, writing(['hi']));
    expect(envelopes).toBeNull();
    expect(fetches).toBe(0);
    expect((await listMessages(carol.id)).map((m) => m.text)).toEqual(['hi']);
    expect(await db.sessions.get(carol.id)).toBeUndefined();
  });

  it('while sending is held, stores the messages without using a message key', async () => {
    await cipher.seal(carol.id, [messageFrame(1)]);
    await db.contacts.put({ id: carol.id, name: 'carol', nameSource: 'user', addedAt: 0, sessionChangedAt: 5 });
    const before = await db.sessions.get(carol.id);
    const { envelopes } = await cipher.sealWritten(carol.id, COMPOSE_TABLES, writing(['held']));
    expect(envelopes).toBeNull();
    expect((await listMessages(carol.id)).map((m) => m.text)).toEqual(['held']);
    expect(await db.sessions.get(carol.id)).toEqual(before);
  });

  it('a seal that fails stores nothing: no message, no outbox entry, the session as it was', async () => {
    await cipher.seal(carol.id, [messageFrame(1)]);
    await db.sessions.update(carol.id, { 'current.state.sendN': RATCHET_LIMITS.maxMessageNumber });
    const before = await db.sessions.get(carol.id);
    await expect(cipher.sealWritten(carol.id, COMPOSE_TABLES, writing(['lost?']))).rejects.toMatchObject({ code: 'chain_exhausted' });
    expect(await listMessages(carol.id)).toEqual([]);
    expect(await db.outbox.count()).toBe(0);
    expect(await db.sessions.get(carol.id)).toEqual(before);
  });

  it('is idle again once its seal has settled', async () => {
    await cipher.seal(carol.id, [messageFrame(1)]);
    const sealing = cipher.sealWritten(carol.id, COMPOSE_TABLES, writing(['x']));
    expect(cipher.idle(carol.id)).toBe(false);
    await sealing;
    expect(cipher.idle(carol.id)).toBe(true);
  });
});
