import Dexie from 'dexie';
import { db, type MessageRow } from './db.ts';
import type { PeerId } from '../protocol/ids.ts';

/** A conversation's messages in display order. */
export const listMessages = (conversationId: PeerId): Promise<MessageRow[]> =>
  db.messages
    .where('[conversationId+sortKey]')
    .between([conversationId, Dexie.minKey], [conversationId, Dexie.maxKey])
    .toArray();

/** Incoming messages not yet marked read, oldest first. */
export async function listUnreadIncoming(conversationId: PeerId): Promise<MessageRow[]> {
  // The counter answers the common case (nothing unread) without reading the history.
  if (!((await db.conversations.get(conversationId))?.unread ?? 0)) return [];
  return (await listMessages(conversationId)).filter((m) => m.direction === 'in' && m.state !== 'read');
}
