import { db, type MessageRow } from '../storage/db.ts';
import { emptyConversation } from '../storage/conversations.ts';
import { randomId } from '../crypto/random.ts';
import { nextSortKey } from './sort-key.ts';
import type { PeerId } from '../protocol/ids.ts';

/**
 * Writes a new outgoing message to history and to the outbox in one transaction, before any
 * network attempt: once this resolves the message survives a crash or reload and will be sent.
 */
export async function queueMessage(conversationId: PeerId, text: string, now = Date.now()): Promise<MessageRow> {
  const id = await randomId();
  return db.transaction('rw', db.messages, db.outbox, db.conversations, async () => {
    const conversation = (await db.conversations.get(conversationId)) ?? emptyConversation(conversationId);
    const seq = conversation.lastSeq + 1;
    const sortKey = nextSortKey(conversation.lastSortKey, now);
    const message: MessageRow = { conversationId, id, direction: 'out', text, seq, sentAt: now, sortKey, state: 'queued' };
    await db.messages.add(message);
    await db.outbox.add({ conversationId, id, seq, queuedAt: now });
    await db.conversations.put({ ...conversation, lastSeq: seq, lastSortKey: sortKey });
    return message;
  });
}
