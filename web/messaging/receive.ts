import Dexie from 'dexie';
import { db, type ConversationRow, type MessageRow } from '../storage/db.ts';
import { emptyConversation } from '../storage/conversations.ts';
import { nextSortKey, sortKeyBetween } from './sort-key.ts';
import { recordPeerSeq } from './peer-seq.ts';
import { triageIncoming, type SeqRanges } from './discarded.ts';
import type { PeerId } from '../protocol/ids.ts';
import type { MessagePeerFrame } from '../protocol/peer-frames.ts';

/**
 * Commits a batch of decrypted messages from one contact in a single transaction, skipping IDs
 * already stored and dropping what the user does not want kept (discarded.ts): everything from a
 * blocked contact, and copies of messages discarded before. Returns every ID in the batch,
 * duplicates and dropped copies included: the sender never saw our receipt for them, so it must
 * get one. A blocked contact gets none: `ids` is empty and `blocked` is true. Only call the
 * receipt path after this resolves: the acknowledgement promises the message is on disk.
 *
 * `sessionChanged` (a new session from the contact replaced a working one) forgets the discarded
 * ranges: a contact who restored their identity on a new device numbers from 1 again, and those
 * new messages must not be taken for copies of old ones.
 * `added` holds the messages new to this device, in the sender's order (what the user may be
 * told about).
 */
export async function commitIncoming(
  from: PeerId,
  frames: MessagePeerFrame[],
  sessionChanged = false,
): Promise<{ blocked: boolean; ids: string[]; added: MessagePeerFrame[]; conversation: ConversationRow }> {
  return db.transaction('rw', db.contacts, db.messages, db.conversations, async () => {
    const [existing, stored, contact] = await Promise.all([
      db.messages.bulkGet(frames.map((f) => [from, f.id] as [PeerId, string])),
      db.conversations.get(from),
      db.contacts.get(from),
    ]);
    const blocked = contact?.blocked === true;
    let conversation = stored ?? emptyConversation(from);
    const fresh = dedupe(frames.filter((_, i) => !existing[i])).sort((a, b) => a.seq - b.seq);
    const { drop, discarded } = triageIncoming(fresh, blocked, sessionChanged ? [] : conversation.discarded);
    const newestRows: MessageRow[] = [];
    const added: MessagePeerFrame[] = [];
    for (const f of fresh) {
      if (drop.has(f.id)) {
        // A copy dropped again counts as received, so that sync frames stop asking for it. While
        // blocked it does not: after the unblock, the sync asks the contact for what they sent
        // meanwhile, and the copies they resend are dropped and acknowledged, ending their retries.
        if (!blocked) conversation = { ...conversation, ...recordPeerSeq(conversation, f.seq) };
        continue;
      }
      // Usually the newest from this sender: it goes at the end without looking anything up, and
      // all such rows are written with the conversation in one request at the end. One that
      // arrives late is placed (and stored) at once, so that placing the next one sees it; the
      // batch is in seq order, so none of the newest is needed for that.
      const newest = f.seq > Math.max(conversation.peerSeq, ...conversation.peerSeqAhead);
      const sortKey = newest ? nextSortKey(conversation.lastSortKey) : await placeIncoming(from, f.seq, conversation.lastSortKey);
      const row: MessageRow = { conversationId: from, id: f.id, direction: 'in', text: f.text, seq: f.seq, sentAt: f.ts, sortKey, state: 'delivered' };
      if (newest) newestRows.push(row);
      else await db.messages.add(row);
      added.push(f);
      conversation = {
        ...conversation,
        ...recordPeerSeq(conversation, f.seq),
        lastSortKey: conversation.lastSortKey !== null && conversation.lastSortKey > sortKey ? conversation.lastSortKey : sortKey,
        unread: conversation.unread + 1,
      };
    }
    conversation = withDiscarded(conversation, discarded);
    if (fresh.length > 0 || (sessionChanged && stored?.discarded)) await Promise.all([db.messages.bulkAdd(newestRows), db.conversations.put(conversation)]);
    return { blocked, ids: blocked ? [] : frames.map((f) => f.id), added, conversation };
  });
}

/** The row with these discarded ranges, or without the field when there are none. */
function withDiscarded(conversation: ConversationRow, discarded: SeqRanges): ConversationRow {
  const { discarded: _, ...rest } = conversation;
  return discarded.length > 0 ? { ...rest, discarded } : rest;
}

const dedupe = (frames: MessagePeerFrame[]): MessagePeerFrame[] => [...new Map(frames.map((f) => [f.id, f])).values()];

/**
 * Where an incoming message goes in the conversation. Normally at the end. A message that
 * arrives after a later one from the same sender (it came by a slower path, or was resent after
 * a gap) goes just before that later one, so the sender's order is kept on screen.
 *
 * Written as a chain of Dexie promises, not an async function: commitIncoming awaits it once per
 * message inside its transaction, and Dexie keeps a transaction across a bounded number of
 * native awaits only (a batch resent after a gap can hold hundreds of such messages).
 */
function placeIncoming(from: PeerId, seq: number, lastSortKey: string | null): PromiseLike<string> {
  return db.messages
    .where('[conversationId+direction+seq]')
    .between([from, 'in', seq + 1], [from, 'in', Infinity])
    .first()
    .then((later) => {
      if (!later) return nextSortKey(lastSortKey);
      return db.messages
        .where('[conversationId+sortKey]')
        .between([from, Dexie.minKey], [from, later.sortKey], true, false)
        .last()
        .then((before) => sortKeyBetween(before?.sortKey ?? null, later.sortKey));
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
