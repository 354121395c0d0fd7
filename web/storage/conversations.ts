import { db, type ConversationRow } from './db.ts';
import type { PeerId } from '../protocol/ids.ts';

export const emptyConversation = (id: PeerId): ConversationRow => ({
  id,
  lastSeq: 0,
  lastSortKey: null,
  unread: 0,
  peerSeq: 0,
  peerSeqAhead: [],
});

/** Unread counts per contact (only conversations that have any). */
export async function unreadCounts(): Promise<Record<PeerId, number>> {
  const counts: Record<PeerId, number> = {};
  for (const c of await db.conversations.toArray()) if (c.unread > 0) counts[c.id] = c.unread;
  return counts;
}
