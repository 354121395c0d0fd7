import Dexie from 'dexie';
import { db, type MessageRow, type OutboxRow } from './db.ts';
import type { PeerId } from '../protocol/ids.ts';

// The outbox: every outgoing message that has no end-to-end receipt yet, in sequence order.

const ofConversation = (conversationId: PeerId) =>
  db.outbox.where('[conversationId+seq]').between([conversationId, Dexie.minKey], [conversationId, Dexie.maxKey]);

export const newOutboxRow = (m: MessageRow, now: number): OutboxRow => ({
  conversationId: m.conversationId,
  id: m.id,
  seq: m.seq,
  queuedAt: now,
  attempts: 0,
  nextAttemptAt: now,
});

export const hasPending = async (conversationId: PeerId): Promise<boolean> => (await ofConversation(conversationId).count()) > 0;

export const outboxRows = (conversationId: PeerId): Promise<OutboxRow[]> => ofConversation(conversationId).toArray();

/** Outbox entries of one conversation in sequence order, joined with their messages. */
export async function pendingFor(conversationId: PeerId): Promise<{ row: OutboxRow; message: MessageRow }[]> {
  const rows = await outboxRows(conversationId);
  const messages = await db.messages.bulkGet(rows.map((r) => [r.conversationId, r.id] as [PeerId, string]));
  return rows.flatMap((row, i) => (messages[i] ? [{ row, message: messages[i] }] : []));
}
