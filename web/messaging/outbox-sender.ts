import { CryptoError } from '../crypto/crypto-error.ts';
import type { Transport } from '../net/transport.ts';
import type { ErrorCode } from '../protocol/errors.ts';
import type { PeerId } from '../protocol/ids.ts';
import { CLIENT_TIMING } from '../protocol/limits.ts';
import type { PeerFrame } from '../protocol/peer-frames.ts';
import type { MessageRow, OutboxRow } from '../storage/db.ts';
import { outboxRows, pendingFor } from '../storage/outbox.ts';
import { CoalescingRunner } from './coalescing-runner.ts';
import { COMPOSE_TABLES, queueMessages, writeMessages } from './compose.ts';
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
    await recordAccepted(entry.peer, id, via, expiresAt, entry.since);
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
   * New messages from the composer: stored, and sent at once on the route that is open now. When
   * one is (an open channel, or the server with room in the send window) and no earlier seal for
   * the contact is under way, the messages are sealed in the transaction that stores them
   * (SessionCipher.sealWritten): one durable commit before the first byte leaves instead of two,
   * which is most of what the first message of a conversation waits for on a busy page.
   * Otherwise they are stored on their own and the usual drain sends them. Resolves once they are
   * durably stored.
   */
  async queue(peer: PeerId, texts: string[]): Promise<MessageRow[]> {
    const now = Date.now();
    const link = this.openLink(peer);
    const viaServer = !link && this.transport.serverOnline && this.freeSlots(peer, now) >= texts.length;
    if ((!link && !viaServer) || !this.cipher.idle(peer)) return this.queueAlone(peer, texts, now);
    const claimed: string[] = [];
    let sealed: { result: MessageRow[]; envelopes: Uint8Array[] | null };
    try {
      sealed = await this.cipher.sealWritten(
        peer,
        COMPOSE_TABLES,
        async () => {
          const messages = await writeMessages(peer, texts, now);
          // Claimed before the commit makes them visible to a drain, which must not send them too.
          for (const m of messages) {
            claimed.push(m.id);
            if (link) link.add(m.id);
            else this.inFlight.set(m.id, { peer, since: now });
          }
          return { frames: messages.map(messageFrame), result: messages };
        },
        { pack: link !== undefined },
      );
    } catch (error) {
      for (const id of claimed) {
        link?.delete(id);
        this.inFlight.delete(id);
      }
      // Sealing failed, so nothing was stored. Stored on their own, they go to the drain, which
      // seals them again and reports the failure as it does for every other send.
      if (error instanceof CryptoError) return this.queueAlone(peer, texts, now);
      throw error;
    }
    const { result: messages, envelopes } = sealed;
    // Not awaited: the caller waits for the messages to be stored, not for a channel to drain.
    if (link) void this.writeOnLink(peer, link, messages, envelopes).catch((error: unknown) => console.error('outbox', error));
    else this.sendViaServer(peer, messages, envelopes);
    // No session yet, or sending is held: the drain starts one, or leaves them queued.
    if (!envelopes) this.request(peer);
    return messages;
  }

  /** Stores new messages in a transaction of their own, for the drain to send. */
  private async queueAlone(peer: PeerId, texts: string[], now: number): Promise<MessageRow[]> {
    const messages = await queueMessages(peer, texts, now);
    this.request(peer);
    return messages;
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
    const link = this.openLink(peer);
    if (link) {
      // Claimed before the write, so a concurrent dispatch cannot write the same message twice.
      const toWrite = live.filter((p) => !link.has(p.message.id)).map((p) => p.message);
      for (const m of toWrite) link.add(m.id);
      if (toWrite.length === 0) return false;
      // Packed: a burst (catching up after a reconnect, a sync's resend) costs a few envelopes.
      const envelopes = await this.seal(peer, toWrite, true);
      await this.writeOnLink(peer, link, toWrite, Array.isArray(envelopes) ? envelopes : null);
      return false;
    }
    if (!this.transport.serverOnline) return false;
    const due = live.filter(({ row }) => row.nextAttemptAt <= now && !this.inFlight.has(row.id)).slice(0, this.freeSlots(peer, now));
    if (due.length === 0) return false;
    for (const { row } of due) this.inFlight.set(row.id, { peer, since: now });
    const envelopes = await this.seal(peer, due.map((p) => p.message), false);
    this.sendViaServer(peer, due.map((p) => p.message), Array.isArray(envelopes) ? envelopes : null);
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

  /** The IDs written on the contact's channel, if one is open now. */
  private openLink(peer: PeerId): Set<string> | undefined {
    const sent = this.sentOnLink.get(peer);
    return sent && this.transport.isOpen(peer) ? sent : undefined;
  }

  /** Writes claimed messages' envelopes on the channel; what could not be written is unclaimed. */
  private async writeOnLink(peer: PeerId, link: Set<string>, messages: MessageRow[], envelopes: Uint8Array[] | null): Promise<void> {
    if (envelopes && (await this.transport.send(peer, envelopes))) await markSent(peer, messages.map((m) => m.id));
    else for (const m of messages) link.delete(m.id);
  }

  /** Sends each in-flight message's envelope through the server; one that cannot go is no longer in flight. */
  private sendViaServer(peer: PeerId, messages: MessageRow[], envelopes: Uint8Array[] | null): void {
    for (const [i, m] of messages.entries()) {
      const envelope = envelopes?.[i];
      if (!envelope || !this.transport.sendViaServer(peer, m.id, envelope)) this.inFlight.delete(m.id);
    }
  }

  /** How many more messages to the contact the server send window takes now. */
  private freeSlots(peer: PeerId, now: number): number {
    for (const [id, entry] of this.inFlight) if (now - entry.since > IN_FLIGHT_TIMEOUT_MS) this.inFlight.delete(id);
    return Math.max(CLIENT_TIMING.sendWindow - [...this.inFlight.values()].filter((e) => e.peer === peer).length, 0);
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
