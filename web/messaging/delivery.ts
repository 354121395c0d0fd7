import { db, type MessageRow } from '../storage/db.ts';
import { advanceSendState } from './send-state.ts';
import type { PeerId } from '../protocol/ids.ts';
import type { ReceiptPeerFrame } from '../protocol/peer-frames.ts';

// State changes of our own outgoing messages, driven by the transport and by receipts.

/**
 * Applies an end-to-end receipt to our own messages in that conversation. A receipt can only
 * name messages we sent to that contact; others are ignored. Delivered (or read) messages leave
 * the outbox.
 */
export async function applyReceipt(from: PeerId, receipt: ReceiptPeerFrame): Promise<void> {
  const keys = receipt.ids.map((id) => [from, id] as [PeerId, string]);
  await db.transaction('rw', db.messages, db.outbox, async () => {
    const messages = await db.messages.bulkGet(keys);
    const updates = messages
      .filter((m): m is MessageRow => m !== undefined && m.direction === 'out')
      .map((m) => ({ ...m, state: advanceSendState(m.state, receipt.status) }));
    await db.messages.bulkPut(updates);
    await db.outbox.bulkDelete(updates.map((m) => [from, m.id] as [PeerId, string]));
  });
}

/** Marks outgoing messages as handed to the transport (queued → sent), never moving back. */
export async function markSent(conversationId: PeerId, ids: string[]): Promise<void> {
  await db.transaction('rw', db.messages, async () => {
    const messages = await db.messages.bulkGet(ids.map((id) => [conversationId, id] as [PeerId, string]));
    const updates = messages
      .filter((m): m is MessageRow => m !== undefined && m.state !== advanceSendState(m.state, 'sent'))
      .map((m) => ({ ...m, state: advanceSendState(m.state, 'sent') }));
    if (updates.length > 0) await db.messages.bulkPut(updates);
  });
}
