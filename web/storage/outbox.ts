import Dexie from 'dexie';
import { db, type MessageRow } from './db.ts';
import type { PeerId } from '../protocol/ids.ts';

const ofConversation = (conversationId: PeerId) =>
  db.outbox.where('[conversationId+seq]').between([conversationId, Dexie.minKey], [conversationId, Dexie.maxKey]);

export const hasPending = async (conversationId: PeerId): Promise<boolean> => (await ofConversation(conversationId).count()) > 0;

/** Outbox entries of one conversation in sequence order, joined with their messages. */
export async function pendingFor(conversationId: PeerId): Promise<MessageRow[]> {
  const rows = await ofConversation(conversationId).toArray();
  const messages = await db.messages.bulkGet(rows.map((r) => [r.conversationId, r.id] as [PeerId, string]));
  return messages.filter((m): m is MessageRow => m !== undefined);
}
