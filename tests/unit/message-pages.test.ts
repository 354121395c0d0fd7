import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { queueMessages } from '../../web/messaging/compose.ts';
import { markSent } from '../../web/messaging/delivery.ts';
import { commitIncoming, markIncomingRead } from '../../web/messaging/receive.ts';
import { toBase64Url } from '../../web/protocol/encoding.ts';
import { MessagePages, PAGE_SIZE, type MessagePagesView } from '../../web/state/message-pages.ts';
import { db } from '../../web/storage/db.ts';
import { countBefore, listUnreadIncoming, readPage, readThrough, sortKeyBack } from '../../web/storage/messages.ts';
import { historyText, makeHistory } from '../fixtures/history.ts';

// Reading a long conversation a page at a time: keyset pagination on [conversationId+sortKey],
// the live pages the conversation view holds, and unread messages found by their index.
// (fake-indexeddb stands in for the browser's IndexedDB; the end-to-end tests use Chromium's.)

const bob = toBase64Url(new Uint8Array(32).fill(2));
const carol = toBase64Url(new Uint8Array(32).fill(3));
const texts = (view: MessagePagesView) => view.rows.map((m) => m.text);
const numbered = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => historyText(from + i));

async function seed(n: number, unread = 0) {
  const history = makeHistory(bob, n, { start: Date.parse('2026-12-01T00:00:00Z'), stepMs: 60_000, unread });
  await db.messages.bulkAdd(history.messages);
  await db.conversations.put(history.conversation);
  return history;
}

beforeEach(async () => {
  await Promise.all(db.tables.map((t) => t.clear()));
});

// fake-indexeddb takes seconds for a few thousand rows.
describe('keyset pagination', { timeout: 30_000 }, () => {
  it('steps back from the newest message, or from below a given one', async () => {
    const { messages } = await seed(250);
    expect(await sortKeyBack(bob, 0)).toBe(messages[249]!.sortKey);
    expect(await sortKeyBack(bob, 249)).toBe(messages[0]!.sortKey);
    expect(await sortKeyBack(bob, 250)).toBeUndefined();
    expect(await sortKeyBack(bob, 0, messages[100]!.sortKey)).toBe(messages[99]!.sortKey);
    expect(await sortKeyBack(bob, 100, messages[100]!.sortKey)).toBeUndefined();
    expect(await sortKeyBack(carol, 0)).toBeUndefined();
  });

  it('reads a page of PAGE_SIZE below a sort key, or all that is left when no more than `whole` are', async () => {
    const { messages } = await seed(2500);
    const texts = (page: { rows: { text: string }[] }) => page.rows.map((m) => m.text);
    const newest = await readPage(bob, null, 100, 1000);
    expect(newest.start).toBe(messages[2400]!.sortKey);
    expect(texts(newest)).toEqual(numbered(2401, 2500));
    const older = await readPage(bob, messages[2400]!.sortKey, 100);
    expect(older.start).toBe(messages[2300]!.sortKey);
    expect(texts(older)).toEqual(numbered(2301, 2400));
    expect((await readPage(bob, messages[101]!.sortKey, 100)).start).toBe(messages[1]!.sortKey);
    const last = await readPage(bob, messages[100]!.sortKey, 100); // exactly 100 left: the last page
    expect(last.start).toBeNull();
    expect(texts(last)).toEqual(numbered(1, 100));
    expect(await readPage(bob, messages[30]!.sortKey, 100)).toEqual({ start: null, rows: messages.slice(0, 30) });
    expect(await countBefore(bob, messages[2400]!.sortKey)).toBe(2400);
  });

  it('reads back through a given message, with some before it, up to a sort key', async () => {
    const { messages } = await seed(2500);
    const through = await readThrough(bob, messages[500]!.sortKey, messages[2400]!.sortKey, 20);
    expect(through.start).toBe(messages[480]!.sortKey);
    expect(through.rows.map((m) => m.text)).toEqual(numbered(481, 2400));
    // Fewer than the context before it: down to the first message.
    expect(await readThrough(bob, messages[5]!.sortKey, messages[100]!.sortKey, 20)).toEqual({ start: null, rows: messages.slice(0, 100) });
  });

  it('reads a conversation of up to `whole` messages at once', async () => {
    const { messages } = await seed(1000);
    expect(await readPage(bob, null, 100, 1000)).toEqual({ start: null, rows: messages });
    expect(await readPage(carol, null, 100, 1000)).toEqual({ start: null, rows: [] });
    await seed(1); // now 1001 (another history in the same conversation)
    expect((await readPage(bob, null, 100, 1000)).rows).toHaveLength(100);
  });
});

describe('the pages of an open conversation', { timeout: 30_000 }, () => {
  let pages: MessagePages | null = null;
  let view: MessagePagesView;
  const open = () => {
    pages = new MessagePages(bob, (v) => (view = v));
  };
  const until = (check: (view: MessagePagesView) => boolean) => vi.waitFor(() => expect(view && check(view)).toBe(true), { timeout: 5000 });
  afterEach(() => pages?.close());

  it('opens on the newest page and reads older pages down to the first message', async () => {
    await seed(1250);
    open();
    await until((v) => v.loaded && v.olderCount !== null);
    expect(texts(view)).toEqual(numbered(1151, 1250));
    expect(view).toMatchObject({ reachedStart: false, loadingOlder: false, olderCount: 1150 });

    pages!.loadOlder();
    expect(view.loadingOlder).toBe(true);
    pages!.loadOlder(); // while one is being read: nothing more
    await until((v) => !v.loadingOlder);
    expect(texts(view)).toEqual(numbered(1051, 1250));
    expect(view.olderCount).toBe(1050);

    for (let page = 0; page < 1250 / PAGE_SIZE && !view.reachedStart; page++) {
      pages!.loadOlder();
      await until((v) => !v.loadingOlder);
    }
    expect(view).toMatchObject({ reachedStart: true, olderCount: 0 });
    expect(texts(view)).toEqual(numbered(1, 1250));
  });

  it('reads back to a message it is asked to reach, in one page, and not again once it holds it', async () => {
    const { messages } = await seed(2500);
    open();
    // Asked before the first page is there: it waits for it.
    pages!.reach(messages[1000]!.sortKey);
    await until((v) => v.loaded && !v.loadingOlder && v.rows.length > PAGE_SIZE);
    expect(texts(view)).toEqual(numbered(981, 2500));
    await until((v) => v.olderCount !== null);
    expect(view.olderCount).toBe(980);

    pages!.reach(messages[2000]!.sortKey); // read already
    expect(view.loadingOlder).toBe(false);
    pages!.reach(messages[900]!.sortKey);
    expect(view.loadingOlder).toBe(true);
    await until((v) => !v.loadingOlder);
    expect(texts(view)).toEqual(numbered(881, 2500));
    // Scrolling up goes on from there.
    pages!.loadOlder();
    await until((v) => !v.loadingOlder);
    expect(texts(view)).toEqual(numbered(781, 2500));
  });

  it('opens a short conversation whole', async () => {
    await seed(300);
    open();
    await until((v) => v.loaded);
    expect(view).toMatchObject({ reachedStart: true, olderCount: 0 });
    expect(view.rows).toHaveLength(300);
  });

  it('follows new and changed messages without leaving its pages', async () => {
    await seed(1250);
    open();
    await until((v) => v.loaded);
    pages!.loadOlder();
    await until((v) => v.rows.length === 200);

    const [sent] = await queueMessages(bob, ['new at the bottom']);
    await until((v) => v.rows.at(-1)?.text === 'new at the bottom');
    expect(view.rows.at(-1)!.state).toBe('queued');
    await markSent(bob, [sent!.id]);
    await until((v) => v.rows.at(-1)?.state === 'sent');

    await commitIncoming(bob, [{ t: 'message', id: toBase64Url(new Uint8Array(16).fill(9)), seq: 1000, ts: Date.now(), text: 'from Bob' }]);
    await until((v) => v.rows.at(-1)?.text === 'from Bob');
    expect(view.rows).toHaveLength(202);
    expect(view.olderCount).toBe(1050);
  });

  it('starts over empty and takes a first message', async () => {
    open();
    await until((v) => v.loaded);
    expect(view).toMatchObject({ rows: [], reachedStart: true });
    await queueMessages(bob, ['first']);
    await until((v) => texts(v).join() === 'first');
  });
});

describe('unread messages', { timeout: 30_000 }, () => {
  it('are found by their index, oldest first, and are gone once read', async () => {
    const { messages } = await seed(1500, 4);
    const unread = messages.filter((m) => m.state === 'delivered');
    expect((await listUnreadIncoming(bob)).map((m) => m.text)).toEqual(unread.map((m) => m.text));
    await markIncomingRead(bob, [unread[0]!.id]);
    expect((await listUnreadIncoming(bob)).map((m) => m.text)).toEqual(unread.slice(1).map((m) => m.text));
    await markIncomingRead(bob, unread.map((m) => m.id));
    expect(await listUnreadIncoming(bob)).toEqual([]);
  });
});
