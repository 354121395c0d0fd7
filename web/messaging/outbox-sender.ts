import type { Transport } from '../net/transport.ts';
import type { ErrorCode } from '../protocol/errors.ts';
import type { PeerId } from '../protocol/ids.ts';
import { CLIENT_TIMING } from '../protocol/limits.ts';
import type { PeerFrame } from '../protocol/peer-frames.ts';
import type { MessageRow, OutboxRow } from '../storage/db.ts';
import { newOutboxRow, outboxRows, pendingFor } from '../storage/outbox.ts';
import { CoalescingRunner } from './coalescing-runner.ts';
import type { SessionCipher } from './session-cipher.ts';
import { expireOverdue, markFailed, markSent, recordAccepted, recordRetryLater } from './delivery.ts';

// The transport ladder for the outbox of each contact. An open data channel takes everything not
// yet written on it. Without one, messages go to the server at once — relayed if the contact is
// online, into its mailbox if not — so a slow WebRTC attempt never holds them back; the channel
// takes over when it opens. Every message is retried until its end-to-end receipt arrives.
// Each attempt is sealed afresh in the current session: a copy that arrives twice is a duplicate
// by message ID, and a session replaced meanwhile (the contact reinstalled) cannot strand it.

/** Server errors that will not go away by retrying: the message is marked "Not delivered". */
const FINAL_ERRORS: Partial<Record<ErrorCode, string>> = {
  quota_exceeded: "The contact's mailbox on the server is full.",
  blob_too_large: 'The message is larger than the server accepts.',
  bad_target: 'The server refused the recipient.',
};

/** A send the server has not answered after this long is presumed lost and may go again. */
const IN_FLIGHT_TIMEOUT_MS = 30_000;

const messageFrame = (m: MessageRow): PeerFrame => ({ t: 'message', id: m.id, seq: m.seq, ts: m.sentAt, text: m.text });

export class OutboxSender {
  /** Message IDs written on the current channel of each contact; cleared when a channel opens. */
  private readonly sentOnLink = new Map<PeerId, Set<string>>();
  /** Sends through the server awaiting `accepted` (or an error), by message ID. */
  private readonly inFlight = new Map<string, { peer: PeerId; since: number }>();
  private readonly timers = new Map<PeerId, ReturnType<typeof setTimeout>>();
  private readonly runner = new CoalescingRunner<PeerId>((peer) => this.drain(peer), (e) => console.error('outbox', e));

  constructor(
    private readonly transport: Transport,
    private readonly cipher: SessionCipher,
    /** Sealing failed: no session could be started (no bundle, or one that did not verify). */
    private readonly onSealFailure: (peer: PeerId, error: unknown) => void,
  ) {}

  /** Something changed for this contact (new message, channel, presence, server): look again. */
  request(peer: PeerId): void {
    this.runner.request(peer);
  }

  channelOpened(peer: PeerId): void {
    this.sentOnLink.set(peer, new Set());
    this.request(peer);
  }

  /** The server connection dropped: unanswered sends will never be answered. */
  serverLost(): void {
    this.inFlight.clear();
  }

  async onAccepted(id: string, via: 'relay' | 'mailbox', expiresAt: number | undefined): Promise<void> {
    const entry = this.inFlight.get(id);
    if (!entry) return; // a control frame, or an answer from before a reconnect
    this.inFlight.delete(id);
    await recordAccepted(entry.peer, id, via, expiresAt);
    this.request(entry.peer);
  }

  async onServerError(code: ErrorCode, ref: string | undefined): Promise<void> {
    const entry = ref === undefined ? undefined : this.inFlight.get(ref);
    if (!entry || ref === undefined) return;
    this.inFlight.delete(ref);
    const reason = FINAL_ERRORS[code];
    if (reason) await markFailed(entry.peer, [ref], reason);
    else await recordRetryLater(entry.peer, ref);
    this.request(entry.peer);
  }

  /**
   * Messages just written: sent in the same task instead of after re-reading the outbox, so the
   * first message of a conversation is not held up by the reads a busy page has queued.
   */
  async sendFresh(peer: PeerId, messages: MessageRow[]): Promise<void> {
    const now = Date.now();
    await this.dispatch(peer, messages.map((message) => ({ row: newOutboxRow(message, now), message })), now);
  }

  private async drain(peer: PeerId): Promise<void> {
    const now = Date.now();
    const pending = await pendingFor(peer);
    const expired = new Set(await expireOverdue(peer, pending.map((p) => p.row), now));
    const live = pending.filter((p) => !expired.has(p.row.id));
    // A dispatch that had to postpone entries has scheduled the next drain from their new times.
    if (!(await this.dispatch(peer, live, now))) this.scheduleNext(peer, live.map((p) => p.row.nextAttemptAt).filter((t) => t > now));
  }

  /**
   * The ladder for these outbox entries: the open channel, else the server (within the window).
   * Resolves true when entries were postponed (and the next drain scheduled accordingly).
   */
  private async dispatch(peer: PeerId, live: { row: OutboxRow; message: MessageRow }[], now: number): Promise<boolean> {
    const sent = this.sentOnLink.get(peer);
    if (sent && this.transport.isOpen(peer)) {
      // Claimed before the write, so a concurrent dispatch cannot write the same message twice.
      const toWrite = live.filter((p) => !sent.has(p.message.id)).map((p) => p.message);
      for (const m of toWrite) sent.add(m.id);
      if (toWrite.length === 0) return false;
      // Packed: a burst (catching up after a reconnect, a sync's resend) costs a few envelopes.
      const envelopes = await this.seal(peer, toWrite, true);
      if (Array.isArray(envelopes) && (await this.transport.send(peer, envelopes))) await markSent(peer, toWrite.map((m) => m.id));
      else for (const m of toWrite) sent.delete(m.id);
      return false;
    }
    if (!this.transport.serverOnline) return false;
    this.forgetStale(now);
    const slots = CLIENT_TIMING.sendWindow - [...this.inFlight.values()].filter((e) => e.peer === peer).length;
    const due = live.filter(({ row }) => row.nextAttemptAt <= now && !this.inFlight.has(row.id)).slice(0, Math.max(slots, 0));
    if (due.length === 0) return false;
    for (const { row } of due) this.inFlight.set(row.id, { peer, since: now });
    const envelopes = await this.seal(peer, due.map((p) => p.message), false);
    for (const [i, { row }] of due.entries()) {
      const envelope = Array.isArray(envelopes) ? envelopes[i] : undefined;
      if (!envelope || !this.transport.sendViaServer(peer, row.id, envelope)) this.inFlight.delete(row.id);
    }
    if (envelopes === 'failed') {
      // No session could be started: try again after the usual backoff.
      for (const { row } of due) await recordRetryLater(peer, row.id);
      const rows = await outboxRows(peer);
      this.scheduleNext(peer, rows.map((r) => r.nextAttemptAt).filter((t) => t > Date.now()));
      return true;
    }
    return false;
  }

  /**
   * Seals messages in the session with `peer`: 'held' while sending to the contact is held (a
   * session change the user has not acknowledged, or a blocked contact; acknowledging or
   * unblocking looks again), 'failed' (reported) when there is no session to be had.
   */
  private async seal(peer: PeerId, messages: MessageRow[], pack: boolean): Promise<Uint8Array[] | 'held' | 'failed'> {
    try {
      return (await this.cipher.seal(peer, messages.map(messageFrame), { pack, holdable: true })) ?? 'held';
    } catch (error) {
      this.onSealFailure(peer, error);
      return 'failed';
    }
  }

  private forgetStale(now: number): void {
    for (const [id, entry] of this.inFlight) if (now - entry.since > IN_FLIGHT_TIMEOUT_MS) this.inFlight.delete(id);
  }

  /** Wakes up when the earliest retry (or mailbox expiry) of this contact is due. */
  private scheduleNext(peer: PeerId, dueTimes: number[]): void {
    clearTimeout(this.timers.get(peer));
    this.timers.delete(peer);
    if (dueTimes.length === 0) return;
    const delay = Math.min(...dueTimes) - Date.now();
    // setTimeout overflows past 2^31 ms (about 24 days); a mailbox expiry can be further away.
    this.timers.set(peer, setTimeout(() => this.request(peer), Math.min(Math.max(delay, 0), 2 ** 31 - 1)));
  }
}
