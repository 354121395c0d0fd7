import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import { queueMessages } from '../../web/messaging/compose.ts';
import { applyReceipt, markSent } from '../../web/messaging/delivery.ts';
import { commitIncoming, markIncomingRead } from '../../web/messaging/receive.ts';
import { toBase64Url } from '../../web/protocol/encoding.ts';
import { db } from '../../web/storage/db.ts';
import { listMessages } from '../../web/storage/messages.ts';
import { pendingFor } from '../../web/storage/outbox.ts';
const queueMessage = async (peer: string, text: string, now?: number) => (await queueMessages(peer, [text], now))[0]!;

// The delivery bookkeeping against IndexedDB (fake-indexeddb stands in for the browser's here;
// the end-to-end tests run the same code on Chromium's real IndexedDB).

const bob = toBase64Url(new Uint8Array(32).fill(2));
const carol = toBase64Url(new Uint8Array(32).fill(3));
const msgId = (n: number) => toBase64Url(new Uint8Array(16).fill(n));
const incoming = (n: number, text = `m${n}`) => ({ t: 'message' as const, id: msgId(n), seq: n, ts: 1000 + n, text });

beforeEach(async () => {
  await Promise.all(db.tables.map((t) => t.clear()));
});

describe('outgoing', () => {
  it('commits several texts at once in order', async () => {
    const batch = await queueMessages(bob, ['a', 'b', 'c'], 7000);
    expect(batch.map((m) => m.seq)).toEqual([1, 2, 3]);
    expect((await pendingFor(bob)).map((m) => m.text)).toEqual(['a', 'b', 'c']);
  });

  it('puts a message in history and the outbox together, with increasing seq and order', async () => {
    const first = await queueMessage(bob, 'one', 5000);
    const second = await queueMessage(bob, 'two', 5000); // same millisecond
    expect([first.seq, second.seq]).toEqual([1, 2]);
    expect(second.sortKey).toBeGreaterThan(first.sortKey);
    expect((await pendingFor(bob)).map((m) => m.text)).toEqual(['one', 'two']);
    expect((await listMessages(bob)).map((m) => m.state)).toEqual(['queued', 'queued']);
  });

  it('receipts advance states and empty the outbox; sent never overrides delivered', async () => {
    const m = await queueMessage(bob, 'hello');
    await applyReceipt(bob, { t: 'receipt', status: 'delivered', ids: [m.id] });
    await markSent(bob, [m.id]);
    expect((await listMessages(bob))[0]!.state).toBe('delivered');
    expect(await pendingFor(bob)).toEqual([]);
    await applyReceipt(bob, { t: 'receipt', status: 'read', ids: [m.id] });
    expect((await listMessages(bob))[0]!.state).toBe('read');
  });

  it('ignores receipts from another contact', async () => {
    const m = await queueMessage(bob, 'for bob');
    await applyReceipt(carol, { t: 'receipt', status: 'delivered', ids: [m.id] });
    expect((await listMessages(bob))[0]!.state).toBe('queued');
    expect(await pendingFor(bob)).toHaveLength(1);
  });
});

describe('incoming', () => {
  it('stores each message once, and still acknowledges duplicates', async () => {
    expect(await commitIncoming(bob, [incoming(1), incoming(2), incoming(1)])).toEqual({ ids: [msgId(1), msgId(2), msgId(1)], added: 2 });
    expect(await commitIncoming(bob, [incoming(2), incoming(3)])).toEqual({ ids: [msgId(2), msgId(3)], added: 1 });
    expect((await listMessages(bob)).map((m) => m.text)).toEqual(['m1', 'm2', 'm3']);
  });

  it('a receipt naming an incoming message does not change it', async () => {
    await commitIncoming(bob, [incoming(1)]);
    await applyReceipt(bob, { t: 'receipt', status: 'read', ids: [msgId(1)] });
    expect((await listMessages(bob))[0]).toMatchObject({ direction: 'in', state: 'delivered' });
  });

  it('counts unread messages until they are marked read', async () => {
    await commitIncoming(bob, [incoming(1), incoming(2)]);
    expect((await db.conversations.get(bob))?.unread).toBe(2);
    expect(await markIncomingRead(bob, [msgId(1), msgId(2)])).toEqual([msgId(1), msgId(2)]);
    expect(await markIncomingRead(bob, [msgId(1)])).toEqual([]);
    expect((await db.conversations.get(bob))?.unread).toBe(0);
  });
});
