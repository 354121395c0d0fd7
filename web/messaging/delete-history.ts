import Dexie from 'dexie';
import { db, type ConversationRow } from '../storage/db.ts';
import type { PeerId } from '../protocol/ids.ts';
import { receivedRanges } from './discarded.ts';

// Deleting a conversation's history from this device, at the user's request.
//
// The conversation's row is kept, reset, rather than deleted: its sequence numbers are what the
// two devices compare in sync frames. Starting again from 0 would make the contact resend every
// message above 0 it still has (the whole history would come back), and our own next message
// would reuse numbers the contact already holds. What the contact had sent is remembered as
// discarded, so a copy they send again (they missed our receipt) is not stored either.

/** The conversation as if it had no history, still numbering on from where it was. */
export const forgetHistory = (c: ConversationRow): ConversationRow => ({ ...c, lastSortKey: null, unread: 0, discarded: receivedRanges(c) });

/**
 * Deletes the messages of the conversation with `peer` and its outbox entries (messages not yet
 * delivered are not sent), in one transaction with the reset of its row. The contact stays.
 */
export async function deleteConversation(peer: PeerId): Promise<void> {
  await db.transaction('rw', db.messages, db.outbox, db.conversations, async () => {
    await Promise.all([
      db.messages.where('[conversationId+sortKey]').between([peer, Dexie.minKey], [peer, Dexie.maxKey]).delete(),
      db.outbox.where('[conversationId+seq]').between([peer, Dexie.minKey], [peer, Dexie.maxKey]).delete(),
    ]);
    const conversation = await db.conversations.get(peer);
    if (conversation) await db.conversations.put(forgetHistory(conversation));
  });
}

/**
 * Removes the contact and the history with them. Their session stays, so that if they write
 * again (they come back as an unknown contact) or are added again, the conversation goes on.
 */
export async function removeContact(peer: PeerId): Promise<void> {
  await db.transaction('rw', db.contacts, db.messages, db.outbox, db.conversations, async () => {
    await deleteConversation(peer);
    await db.contacts.delete(peer);
  });
}
