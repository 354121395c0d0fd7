import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import { queueMessages } from '../../web/messaging/compose.ts';
import { applyReceipt, expireOverdue, markFailed, markSent, recordAccepted, requeueAbove, retryFailed } from '../../web/messaging/delivery.ts';
import { commitIncoming, markIncomingRead } from '../../web/messaging/receive.ts';
import { toBase64Url } from '../../web/protocol/encoding.ts';
import { db } from '../../web/storage/db.ts';
import { listMessages } from '../../web/storage/messages.ts';
import { outboxRows, pendingFor } from '../../web/storage/outbox.ts';
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
    expect((await pendingFor(bob)).map((p) => p.message.text)).toEqual(['a', 'b', 'c']);
  });

  it('puts a message in history and the outbox together, with increasing seq and order', async () => {
    const first = await queueMessage(bob, 'one', 5000);
    const second = await queueMessage(bob, 'two', 5000); // same millisecond
    expect([first.seq, second.seq]).toEqual([1, 2]);
    expect(second.sortKey > first.sortKey).toBe(true);
    expect((await pendingFor(bob)).map((p) => p.message.text)).toEqual(['one', 'two']);
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
    expect(await commitIncoming(bob, [incoming(1), incoming(2), incoming(1)])).toMatchObject({ ids: [msgId(1), msgId(2), msgId(1)], added: [incoming(1), incoming(2)] });
    expect(await commitIncoming(bob, [incoming(2), incoming(3)])).toMatchObject({ ids: [msgId(2), msgId(3)], added: [incoming(3)] });
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

describe('order and gaps', () => {
  it('shows a late message before the later ones from the same sender', async () => {
    await commitIncoming(bob, [incoming(1), incoming(3)]);
    await queueMessage(bob, 'my reply', 2000);
    await commitIncoming(bob, [incoming(4)]);
    await commitIncoming(bob, [incoming(2)]); // came by a slower path
    expect((await listMessages(bob)).map((m) => m.text)).toEqual(['m1', 'm2', 'm3', 'my reply', 'm4']);
    const conversation = await db.conversations.get(bob);
    expect([conversation?.peerSeq, conversation?.peerSeqAhead]).toEqual([4, []]);
  });

  it('keeps the order however many late messages squeeze into one gap', async () => {
    await commitIncoming(bob, [incoming(1), incoming(200)]);
    for (let seq = 2; seq < 200; seq++) await commitIncoming(bob, [incoming(seq)]);
    expect((await listMessages(bob)).map((m) => m.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
  });

  it('keeps a batch in the sender’s order whatever order it arrived in', async () => {
    const { conversation } = await commitIncoming(bob, [incoming(3), incoming(1), incoming(5)]);
    expect((await listMessages(bob)).map((m) => m.text)).toEqual(['m1', 'm3', 'm5']);
    expect([conversation.peerSeq, conversation.peerSeqAhead]).toEqual([1, [3, 5]]);
  });
});

describe('delivery through the server', () => {
  it('a mailbox acceptance defers the next attempt to the expiry; a relay one backs off', async () => {
    const [a, b] = await queueMessages(bob, ['a', 'b'], 1000);
    await recordAccepted(bob, a!.id, 'mailbox', 50_000, 1000, 1000);
    await recordAccepted(bob, b!.id, 'relay', undefined, 1000, 1000);
    const rows = await outboxRows(bob);
    expect(rows[0]).toMatchObject({ via: 'mailbox', expiresAt: 50_000, nextAttemptAt: 50_000, attempts: 1 });
    expect(rows[1]!.nextAttemptAt).toBeGreaterThan(1000);
    expect((await listMessages(bob)).map((m) => m.state)).toEqual(['sent', 'sent']);
  });

  it('expired mailbox copies and final errors become "Not delivered", and a retry queues again', async () => {
    const [a, b] = await queueMessages(bob, ['a', 'b'], 1000);
    await recordAccepted(bob, a!.id, 'mailbox', 5000, 1000, 1000);
    expect(await expireOverdue(bob, await outboxRows(bob), 6000)).toEqual([a!.id]);
    await markFailed(bob, [b!.id], 'full');
    expect((await listMessages(bob)).map((m) => [m.state, m.failure])).toEqual([
      ['failed', expect.stringMatching(/expired/)],
      ['failed', 'full'],
    ]);
    expect(await pendingFor(bob)).toEqual([]);
    await retryFailed(bob, b!.id, 7000);
    expect((await pendingFor(bob)).map((p) => [p.message.text, p.message.state, p.message.failure])).toEqual([['b', 'queued', undefined]]);
  });

  it('a sync frame brings back messages the contact says it lacks', async () => {
    const sent = await queueMessages(bob, ['a', 'b', 'c']);
    await applyReceipt(bob, { t: 'receipt', status: 'delivered', ids: sent.map((m) => m.id) });
    expect(await pendingFor(bob)).toEqual([]);
    expect(await requeueAbove(bob, 1)).toBe(2);
    expect((await pendingFor(bob)).map((p) => p.message.text)).toEqual(['b', 'c']);
    expect(await requeueAbove(bob, 1)).toBe(0); // already back in the outbox
  });

  it('a sync frame makes messages still waiting for a retry due at once', async () => {
    const [a, b] = await queueMessages(bob, ['a', 'b'], 1000);
    await recordAccepted(bob, a!.id, 'relay', undefined, 1000, 1000);
    await recordAccepted(bob, b!.id, 'mailbox', 99_000, 1000, 1000);
    expect((await outboxRows(bob)).every((r) => r.nextAttemptAt > 2000)).toBe(true);
    // The contact holds nothing from us: both are due now, whichever way they went.
    expect(await requeueAbove(bob, 0, 2000)).toBe(2);
    expect((await outboxRows(bob)).map((r) => r.nextAttemptAt)).toEqual([2000, 2000]);
  });

  it('an acceptance of a copy sent before the contact said it lacks the message does not put it off', async () => {
    const [a, b] = await queueMessages(bob, ['a', 'b'], 1000);
    // Both sent at 1000; the contact's sync (it holds nothing) comes before the server's answers.
    expect(await requeueAbove(bob, 0, 1500)).toBe(0); // both were due already
    await recordAccepted(bob, a!.id, 'mailbox', 99_000, 1000, 2000);
    // b went again after the sync: its acceptance defers the next attempt as usual.
    await recordAccepted(bob, b!.id, 'mailbox', 99_000, 1600, 2000);
    expect((await outboxRows(bob)).map((r) => r.nextAttemptAt)).toEqual([2000, 99_000]);
  });
});
