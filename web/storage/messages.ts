import Dexie from 'dexie';
import { db, type MessageRow } from './db.ts';
import type { PeerId } from '../protocol/ids.ts';

// A conversation can hold 100 000 messages, so nothing here reads one whole unless asked to: the
// conversation view reads pages by sortKey (keyset pagination on [conversationId+sortKey]), and
// finds out whether more lie beyond a page by stepping an index cursor back, which reads no
// message.

/** Sort keys in [from, to): null is an open end. */
const sortKeyRange = (conversationId: PeerId, from: string | null, to: string | null) =>
  db.messages
    .where('[conversationId+sortKey]')
    .between([conversationId, from ?? Dexie.minKey], [conversationId, to ?? Dexie.maxKey], true, to === null);

/** A conversation's messages in display order: all of them, or those with from ≤ sortKey < to. */
export const listMessages = (conversationId: PeerId, from: string | null = null, to: string | null = null): Promise<MessageRow[]> =>
  sortKeyRange(conversationId, from, to).toArray();

/**
 * The sortKey `back` places before the newest message below `below` (0: that newest one's; below
 * null: of the whole conversation), or undefined when fewer messages lie there.
 */
export async function sortKeyBack(conversationId: PeerId, back: number, below: string | null = null): Promise<string | undefined> {
  const [key] = await sortKeyRange(conversationId, null, below).reverse().offset(back).limit(1).keys();
  return (key as [PeerId, string] | undefined)?.[1];
}

/**
 * The page of the `size` messages below `below` (null: the newest of all), oldest first, with
 * where it starts: the sortKey of its oldest message, or null when no more than `whole` messages
 * lie below (whole ≥ size): then the page is all of them, down to the start of the conversation.
 * One transaction, usually one round trip: the page (one getAll, newest first) and the check
 * beside it.
 */
export const readPage = (
  conversationId: PeerId,
  below: string | null,
  size: number,
  whole = size,
): Promise<{ start: string | null; rows: MessageRow[] }> =>
  db.transaction('r', db.messages, async () => {
    const [page, beyond] = await Promise.all([
      sortKeyRange(conversationId, null, below).reverse().limit(size).toArray(),
      sortKeyBack(conversationId, whole, below),
    ]);
    page.reverse();
    if (beyond !== undefined) return { start: page[0]!.sortKey, rows: page };
    if (page.length < size || whole === size) return { start: null, rows: page };
    return { start: null, rows: await listMessages(conversationId, null, below) };
  });

/**
 * The messages below `below` (null: the newest of all) down to the one at `through` and the
 * `context` (≥ 1) before it, oldest first, and where they start (null: at the start of the
 * conversation, when fewer lie before it). For showing a message older than the pages read so
 * far, however far back: everything between is read too, so that what the view holds stays one
 * contiguous range.
 */
export const readThrough = (
  conversationId: PeerId,
  through: string,
  below: string | null,
  context: number,
): Promise<{ start: string | null; rows: MessageRow[] }> =>
  db.transaction('r', db.messages, async () => {
    const start = (await sortKeyBack(conversationId, context - 1, through)) ?? null;
    return { start, rows: await listMessages(conversationId, start, below) };
  });

/** How many messages come before `sortKey` (for positions in a list that holds only the newest). */
export const countBefore = (conversationId: PeerId, sortKey: string): Promise<number> =>
  sortKeyRange(conversationId, null, sortKey).count();

/** Incoming messages not yet marked read, oldest first. */
export async function listUnreadIncoming(conversationId: PeerId): Promise<MessageRow[]> {
  // The counter answers the common case (nothing unread) without a query.
  if (!((await db.conversations.get(conversationId))?.unread ?? 0)) return [];
  // An incoming message is 'delivered' from its commit until it is read (messaging/receive.ts).
  const unread = await db.messages.where('[conversationId+direction+state]').equals([conversationId, 'in', 'delivered']).toArray();
  return unread.sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
}
