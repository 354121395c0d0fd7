import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import { queueMessages } from '../../web/messaging/compose.ts';
import { deleteConversation, removeContact } from '../../web/messaging/delete-history.ts';
import { commitIncoming } from '../../web/messaging/receive.ts';
import { toBase64Url } from '../../web/protocol/encoding.ts';
import { addContact, applyPeerName, getContact, renameContact, sendingHeld, setBlocked, usePeerName } from '../../web/storage/contacts.ts';
import { db } from '../../web/storage/db.ts';
import { listMessages } from '../../web/storage/messages.ts';
import { outboxRows } from '../../web/storage/outbox.ts';

// Renaming, blocking and deleting history against IndexedDB (fake-indexeddb stands in for the
// browser's; the end-to-end tests run the same code on Chromium's).

const bob = toBase64Url(new Uint8Array(32).fill(2));
const msgId = (n: number) => toBase64Url(new Uint8Array(16).fill(n));
const incoming = (n: number) => ({ t: 'message' as const, id: msgId(n), seq: n, ts: 1000 + n, text: `m${n}` });
const texts = async () => (await listMessages(bob)).map((m) => m.text);

beforeEach(async () => {
  await Promise.all(db.tables.map((t) => t.clear()));
  await addContact({ id: bob, name: 'Bob', nameSource: 'invite', addedAt: 1000 });
});

describe('names', () => {
  it('a rename sticks over profile frames, which are kept beside it', async () => {
    await applyPeerName(bob, 'Robert');
    expect(await getContact(bob)).toMatchObject({ name: 'Bob', peerName: 'Robert' });
    await renameContact(bob, 'Bobby (work)');
    await applyPeerName(bob, 'Rob');
    expect(await getContact(bob)).toMatchObject({ name: 'Bobby (work)', nameSource: 'user', peerName: 'Rob' });
    // Back to their own name, which follows their profile from then on.
    await usePeerName(bob);
    await applyPeerName(bob, 'Roberto');
    expect(await getContact(bob)).toMatchObject({ name: 'Roberto', nameSource: 'peer', peerName: 'Roberto' });
  });
});

describe('blocking', () => {
  it('stores nothing from a blocked contact, answers nothing, and holds sending', async () => {
    await commitIncoming(bob, [incoming(1)]);
    await setBlocked(bob, true);
    expect(await sendingHeld(bob)).toBe(true);
    const result = await commitIncoming(bob, [incoming(2), incoming(3), incoming(1)]);
    expect(result).toMatchObject({ blocked: true, ids: [], added: [] });
    expect(await texts()).toEqual(['m1']);
    expect(await db.messages.count()).toBe(1);
    // The numbers are not counted as received: the sync after the unblock asks for them again.
    expect(await db.conversations.get(bob)).toMatchObject({ peerSeq: 1, peerSeqAhead: [], discarded: [[2, 3]], unread: 1 });
  });

  it('after an unblock, copies of what was discarded are dropped and acknowledged; new messages are kept', async () => {
    await commitIncoming(bob, [incoming(1)]);
    await setBlocked(bob, true);
    await commitIncoming(bob, [incoming(2), incoming(3)]);
    await setBlocked(bob, false);
    expect(await sendingHeld(bob)).toBe(false);
    const result = await commitIncoming(bob, [incoming(4), incoming(2), incoming(3)]);
    expect(result).toMatchObject({ blocked: false, ids: [msgId(4), msgId(2), msgId(3)], added: [incoming(4)] });
    expect(await texts()).toEqual(['m1', 'm4']);
    expect(await db.conversations.get(bob)).toMatchObject({ peerSeq: 4, peerSeqAhead: [] });
  });

  it('a new session from the contact forgets what was discarded: they may number from 1 again', async () => {
    await setBlocked(bob, true);
    await commitIncoming(bob, [incoming(1)]);
    await setBlocked(bob, false);
    await commitIncoming(bob, [{ ...incoming(1), id: msgId(41), text: 'from a restored device' }], true);
    expect(await texts()).toEqual(['from a restored device']);
    expect(await db.conversations.get(bob)).not.toHaveProperty('discarded');
  });
});

describe('deleting history', () => {
  it('deletes messages and outbox entries, keeps the numbering, and drops copies that come again', async () => {
    await commitIncoming(bob, [incoming(1), incoming(2), incoming(5)]);
    await queueMessages(bob, ['mine', 'pending'], 3000);
    await deleteConversation(bob);
    expect(await texts()).toEqual([]);
    expect(await outboxRows(bob)).toEqual([]);
    expect(await db.conversations.get(bob)).toMatchObject({ lastSeq: 2, peerSeq: 2, peerSeqAhead: [5], unread: 0, lastSortKey: null });
    expect(await getContact(bob)).toBeDefined();

    // Bob missed our receipts and sends again; and writes something new.
    const result = await commitIncoming(bob, [incoming(2), incoming(5), incoming(3)]);
    expect(result.ids).toEqual([msgId(2), msgId(5), msgId(3)]);
    expect(await texts()).toEqual(['m3']);
    // Our next message goes on from our last number, so Bob sees no number twice.
    expect((await queueMessages(bob, ['after']))[0]!.seq).toBe(3);
  });

  it('removing a contact deletes the contact with its history', async () => {
    await commitIncoming(bob, [incoming(1)]);
    await removeContact(bob);
    expect(await getContact(bob)).toBeUndefined();
    expect(await db.messages.count()).toBe(0);
  });
});
