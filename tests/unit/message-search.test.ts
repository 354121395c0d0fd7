import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import { toBase64Url } from '../../web/protocol/encoding.ts';
import { db, type MessageRow } from '../../web/storage/db.ts';
import { searchMessages } from '../../web/storage/message-search.ts';
import { matchesTerms, searchTerms } from '../../web/state/search-text.ts';

// Searching all messages on the device, chunk by chunk (fake-indexeddb stands in for the browser's).

const peer = (n: number) => toBase64Url(new Uint8Array(32).fill(n));
const message = (conversation: number, n: number, text: string): MessageRow => ({
  conversationId: peer(conversation),
  id: toBase64Url(Uint8Array.of(n >> 8, n & 255, ...new Uint8Array(14))),
  direction: n % 2 ? 'in' : 'out',
  text,
  seq: n,
  sentAt: 1_000_000 + n,
  sortKey: `a${n}`,
  state: 'delivered',
});
const matching = (query: string) => (m: MessageRow) => matchesTerms(m.text, searchTerms(query));

beforeEach(async () => {
  await db.messages.clear();
  // 1 300 messages over three conversations (more than two chunks); every tenth mentions lunch.
  const rows = Array.from({ length: 1300 }, (_, n) => message(n % 3, n, n % 10 === 0 ? `Lunch at ${n}?` : `message ${n}`));
  await db.messages.bulkAdd(rows);
});

describe('searching messages', () => {
  it('reads every conversation and returns the newest matches first, with the total', async () => {
    const found = await searchMessages(matching('lunch'), 50);
    expect(found?.total).toBe(130);
    expect(found?.hits).toHaveLength(50);
    expect(found?.hits.map((m) => m.seq)).toEqual(Array.from({ length: 50 }, (_, i) => 1290 - 10 * i));
    expect(new Set(found?.hits.map((m) => m.conversationId)).size).toBe(3);
  });

  it('finds a single message wherever it is', async () => {
    await db.messages.put(message(1, 4000, 'The key is under the mat'));
    const found = await searchMessages(matching('MAT key'), 50);
    expect(found?.hits.map((m) => m.text)).toEqual(['The key is under the mat']);
    expect((await searchMessages(matching('nowhere'), 50))?.total).toBe(0);
  });

  it('stops when the search is replaced', async () => {
    const stop = new AbortController();
    const searching = searchMessages(matching('lunch'), 50, stop.signal);
    stop.abort();
    expect(await searching).toBeNull();
  });
});
