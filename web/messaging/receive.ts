import { db, type MessageRow } from '../storage/db.ts';
import { emptyConversation } from '../storage/conversations.ts';
import { nextSortKey } from './sort-key.ts';
import type { PeerId } from '../protocol/ids.ts';
import type { MessagePeerFrame } from '../protocol/peer-frames.ts';

/**
 * Commits a batch of decrypted messages from one contact in a single transaction, skipping IDs
 * already stored. Returns every ID in the batch, duplicates included: a duplicate means the
 * sender never saw our receipt, so it must get one again. Only call the receipt path after this
 * resolves: the acknowledgement promises the message is on disk.
 */
export async function commitIncoming(from: PeerId, frames: MessagePeerFrame[], now = Date.now()): Promise<{ ids: string[]; added: number }> {
  return db.transaction('rw', db.messages, db.conversations, async () => {
    const existing = await db.messages.bulkGet(frames.map((f) => [from, f.id] as [PeerId, string]));
    const conversation = (await db.conversations.get(from)) ?? emptyConversation(from);
    let sortKey = conversation.lastSortKey;
    const seen = new Set<string>();
    const rows: MessageRow[] = [];
    frames.forEach((f, i) => {
      if (existing[i] || seen.has(f.id)) return;
      seen.add(f.id);
      sortKey = nextSortKey(sortKey, now);
      rows.push({ conversationId: from, id: f.id, direction: 'in', text: f.text, seq: f.seq, sentAt: f.ts, sortKey, state: 'delivered' });
    });
    if (rows.length > 0) {
      await db.messages.bulkAdd(rows);
      await db.conversations.put({ ...conversation, lastSortKey: sortKey, unread: conversation.unread + rows.length });
    }
    return { ids: frames.map((f) => f.id), added: rows.length };
  });
}

/** Marks incoming messages read locally; returns the IDs that changed (to send read receipts). */
export async function markIncomingRead(conversationId: PeerId, ids: string[]): Promise<string[]> {
  return db.transaction('rw', db.messages, db.conversations, async () => {
    const messages = await db.messages.bulkGet(ids.map((id) => [conversationId, id] as [PeerId, string]));
    const updates = messages
      .filter((m): m is MessageRow => m !== undefined && m.direction === 'in' && m.state !== 'read')
      .map((m) => ({ ...m, state: 'read' as const }));
    if (updates.length > 0) {
      await db.messages.bulkPut(updates);
      const conversation = await db.conversations.get(conversationId);
      if (conversation) await db.conversations.put({ ...conversation, unread: Math.max(0, conversation.unread - updates.length) });
    }
    return updates.map((m) => m.id);
  });
}
