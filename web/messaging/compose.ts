import { db, type MessageRow } from '../storage/db.ts';
import { newOutboxRow } from '../storage/outbox.ts';
import { emptyConversation } from '../storage/conversations.ts';
import { randomId } from '../crypto/random.ts';
import { nextSortKey } from './sort-key.ts';
import type { PeerId } from '../protocol/ids.ts';

/** The tables writeMessages writes: a transaction it runs in must hold them. */
export const COMPOSE_TABLES = [db.messages, db.outbox, db.conversations];

/**
 * Writes new outgoing messages to history and to the outbox in one transaction, before any
 * network attempt: once this resolves they survive a crash or reload and will be sent. Several
 * texts written at once share one durable commit (one disk flush instead of one each).
 */
export function queueMessages(conversationId: PeerId, texts: string[], now = Date.now()): Promise<MessageRow[]> {
  return db.transaction('rw', COMPOSE_TABLES, () => writeMessages(conversationId, texts, now));
}

/** queueMessages' writes, within a transaction of the caller's that holds COMPOSE_TABLES. */
export async function writeMessages(conversationId: PeerId, texts: string[], now: number): Promise<MessageRow[]> {
  const conversation = (await db.conversations.get(conversationId)) ?? emptyConversation(conversationId);
  let { lastSeq: seq, lastSortKey: sortKey } = conversation;
  const messages = texts.map((text): MessageRow => {
    seq += 1;
    sortKey = nextSortKey(sortKey);
    return { conversationId, id: randomId(), direction: 'out', text, seq, sentAt: now, sortKey, state: 'queued' };
  });
  // Issued together: one round trip to the database instead of three while the page is busy.
  await Promise.all([
    db.messages.bulkAdd(messages),
    db.outbox.bulkAdd(messages.map((m) => newOutboxRow(m, now))),
    db.conversations.put({ ...conversation, lastSeq: seq, lastSortKey: sortKey }),
  ]);
  return messages;
}
