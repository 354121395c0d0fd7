import { db, type MessageRow, type OutboxRow } from '../storage/db.ts';
import { newOutboxRow } from '../storage/outbox.ts';
import { backoffDelay } from '../net/backoff.ts';
import { CLIENT_TIMING } from '../protocol/limits.ts';
import type { PeerId } from '../protocol/ids.ts';
import type { ReceiptPeerFrame } from '../protocol/peer-frames.ts';
import { advanceSendState } from './send-state.ts';

// State changes of our own outgoing messages, driven by the transport and by receipts. Each is
// one transaction over the message and its outbox entry, so the two never disagree.

type Key = [PeerId, string];
const keysOf = (peer: PeerId, ids: string[]): Key[] => ids.map((id) => [peer, id]);

/** Our own messages among `ids` in that conversation (anything else is ignored). */
async function ownMessages(peer: PeerId, ids: string[]): Promise<MessageRow[]> {
  const found = await db.messages.bulkGet(keysOf(peer, ids));
  return found.filter((m): m is MessageRow => m !== undefined && m.direction === 'out');
}

async function advance(messages: MessageRow[], event: MessageRow['state']): Promise<void> {
  const changed = messages.filter((m) => advanceSendState(m.state, event) !== m.state);
  if (changed.length > 0) await db.messages.bulkPut(changed.map((m) => ({ ...m, state: advanceSendState(m.state, event) })));
}

/**
 * Applies an end-to-end receipt to our own messages in that conversation. A receipt can only
 * name messages we sent to that contact; others are ignored. Delivered (or read) messages leave
 * the outbox.
 */
export async function applyReceipt(from: PeerId, receipt: ReceiptPeerFrame): Promise<void> {
  await db.transaction('rw', db.messages, db.outbox, async () => {
    const messages = await ownMessages(from, receipt.ids);
    await advance(messages, receipt.status);
    await db.outbox.bulkDelete(keysOf(from, messages.map((m) => m.id)));
  });
}

/** Marks outgoing messages as handed to an open data channel (queued → sent). */
export async function markSent(peer: PeerId, ids: string[]): Promise<void> {
  await db.transaction('rw', db.messages, async () => advance(await ownMessages(peer, ids), 'sent'));
}

/**
 * The server accepted a message. A mailbox copy waits there until it expires, so the next
 * attempt through the server is only due then; a relayed one is retried with backoff until the
 * receipt comes, because the recipient may have dropped off before storing it.
 */
export async function recordAccepted(
  peer: PeerId,
  id: string,
  via: 'relay' | 'mailbox',
  expiresAt: number | undefined,
  /** When the send the server accepted was made. */
  sentAt: number,
  now = Date.now(),
): Promise<void> {
  await db.transaction('rw', db.messages, db.outbox, async () => {
    const row = await db.outbox.get([peer, id]);
    if (!row) return; // a receipt got there first
    await advance(await ownMessages(peer, [id]), 'sent');
    const lackedSince = row.requeuedAt !== undefined && row.requeuedAt >= sentAt;
    const nextAttemptAt = lackedSince ? now : via === 'mailbox' && expiresAt !== undefined ? expiresAt : now + retryDelay(row.attempts);
    await db.outbox.put({ ...row, attempts: row.attempts + 1, via, expiresAt, nextAttemptAt });
  });
}

/** A send through the server failed in a way worth retrying (rate limit, server error). */
export async function recordRetryLater(peer: PeerId, id: string, now = Date.now()): Promise<void> {
  await db.transaction('rw', db.outbox, async () => {
    const row = await db.outbox.get([peer, id]);
    if (row) await db.outbox.put({ ...row, attempts: row.attempts + 1, nextAttemptAt: now + retryDelay(row.attempts) });
  });
}

/** Gives up on messages: "Not delivered", with the reason, until the user retries. */
export async function markFailed(peer: PeerId, ids: string[], reason: string): Promise<void> {
  await db.transaction('rw', db.messages, db.outbox, async () => {
    const messages = await ownMessages(peer, ids);
    const failing = messages.filter((m) => advanceSendState(m.state, 'failed') === 'failed');
    await db.messages.bulkPut(failing.map((m) => ({ ...m, state: 'failed' as const, failure: reason })));
    await db.outbox.bulkDelete(keysOf(peer, failing.map((m) => m.id)));
  });
}

/** Mailbox copies past their expiry without a receipt: the server has deleted them. */
export async function expireOverdue(peer: PeerId, rows: OutboxRow[], now = Date.now()): Promise<string[]> {
  const expired = rows.filter((r) => r.via === 'mailbox' && r.expiresAt !== undefined && r.expiresAt <= now).map((r) => r.id);
  if (expired.length > 0) await markFailed(peer, expired, 'It expired on the server before the contact came online.');
  return expired;
}

/** The user asked to try a failed message again: back to the outbox, as if just written. */
export async function retryFailed(peer: PeerId, id: string, now = Date.now()): Promise<void> {
  await db.transaction('rw', db.messages, db.outbox, async () => {
    const [message] = await ownMessages(peer, [id]);
    if (message?.state !== 'failed') return;
    const { failure: _, ...rest } = message;
    await db.messages.put({ ...rest, state: 'queued' });
    await db.outbox.put(newOutboxRow(message, now));
  });
}

/**
 * The contact says it lacks our messages above `have` (its sync frame): put any of them that
 * left the outbox back in, whatever their state, because the contact's word is what counts, and
 * make those still in it due now rather than at their next retry. Returns how many are due.
 */
export async function requeueAbove(peer: PeerId, have: number, now = Date.now()): Promise<number> {
  return db.transaction('rw', db.messages, db.outbox, async () => {
    const missing = await db.messages
      .where('[conversationId+direction+seq]')
      .between([peer, 'out', have + 1], [peer, 'out', Infinity])
      .toArray();
    const inOutbox = await db.outbox.bulkGet(keysOf(peer, missing.map((m) => m.id)));
    const toAdd = missing.filter((m, i) => !inOutbox[i] && m.state !== 'failed');
    const present = inOutbox.filter((row): row is OutboxRow => row !== undefined);
    const waiting = present.filter((row) => row.nextAttemptAt > now).length;
    await db.outbox.bulkPut([
      ...toAdd.map((m) => ({ ...newOutboxRow(m, now), requeuedAt: now })),
      ...present.map((row) => ({ ...row, nextAttemptAt: Math.min(row.nextAttemptAt, now), requeuedAt: now })),
    ]);
    return toAdd.length + waiting;
  });
}

const retryDelay = (attempts: number): number => backoffDelay(attempts, CLIENT_TIMING.retryBaseMs, CLIENT_TIMING.retryMaxMs);
