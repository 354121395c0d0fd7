import type { ErrorCode } from '../protocol/errors.ts';
import type { PeerId } from '../protocol/ids.ts';
import { CLIENT_TIMING, MESSAGE_LIMITS } from '../protocol/limits.ts';
import type { MessagePeerFrame, PeerFrame } from '../protocol/peer-frames.ts';
import { CryptoError } from '../crypto/crypto-error.ts';
import { applyPeerName, isBlocked } from '../storage/contacts.ts';
import { db, type ConversationRow } from '../storage/db.ts';
import { listUnreadIncoming } from '../storage/messages.ts';
import { hasPending } from '../storage/outbox.ts';
import type { SecurityEvent, Transport } from '../net/transport.ts';
import { applyReceipt, requeueAbove, retryFailed } from './delivery.ts';
import { commitIncoming, markIncomingRead } from './receive.ts';
import { CoalescingRunner } from './coalescing-runner.ts';
import { OutboxSender } from './outbox-sender.ts';
import type { SessionCipher } from './session-cipher.ts';
import { TypingThrottle } from './typing-throttle.ts';

// Moves messages between the local database and the transport: persists what the user writes
// before anything is sent, commits what arrives before acknowledging it, turns receipts into
// states, and exchanges sync frames so that gaps get filled.

export interface MessengerContext {
  transport: Transport;
  cipher: SessionCipher;
  /** Something the user must hear about: a check failed, or a contact's session changed. */
  onSecurityEvent(event: SecurityEvent): void;
  /** Our display name, sent to a contact when a channel opens. */
  myName(): string;
  /** Whether the user is looking at this conversation right now (for read receipts). */
  isViewing(peer: PeerId): boolean;
  /** Whether the contact is online according to the server. */
  isOnline(peer: PeerId): boolean;
  /** False while no WebRTC attempt could succeed (relay-only mode and no TURN server offered). */
  canOpenChannel(): boolean;
  /** Whether contacts are told when we have read their messages (a setting; delivery is always told). */
  sendsReadReceipts(): boolean;
  /** Messages new to this device are durably stored (duplicates are not reported again). */
  onMessagesCommitted(peer: PeerId, messages: MessagePeerFrame[], conversation: ConversationRow): void;
  /** The contact is typing to us. */
  onTyping(peer: PeerId): void;
}

/** How long after it is wanted a channel is set up (see kick). */
const CHANNEL_SETUP_DELAY_MS = 100;

/**
 * Envelope failures that are no sign of tampering, so the user is not alarmed: a second copy of
 * something already read, a message in a session this device does not have (answered by a
 * repair sync), and a message too far ahead (the sender retries it).
 */
const QUIET_FAILURES = new Set(['duplicate', 'no_session', 'too_many_skipped']);

/** Failures that mean the contact is sending in a session we do not share: make it use ours. */
const SESSION_MISMATCH = new Set(['no_session', 'decrypt_failed', 'unknown_signed_prekey', 'unknown_one_time_prekey']);

/** At most one repair sync per contact in this long. */
const REPAIR_INTERVAL_MS = 30_000;

interface Waiter<T> {
  item: T;
  resolve(): void;
  reject(error: unknown): void;
}

/** Items gathered per contact while a batch is being processed, each with its caller's promise. */
class Batches<T> {
  private readonly waiting = new Map<PeerId, Waiter<T>[]>();
  private readonly runner: CoalescingRunner<PeerId>;

  constructor(label: string, process: (peer: PeerId, items: T[]) => Promise<void>) {
    this.runner = new CoalescingRunner(
      async (peer) => {
        const batch = this.waiting.get(peer) ?? [];
        this.waiting.delete(peer);
        if (batch.length === 0) return;
        try {
          await process(peer, batch.map((w) => w.item));
        } catch (error) {
          for (const w of batch) w.reject(error);
          throw error;
        }
        for (const w of batch) w.resolve();
      },
      (error) => console.error(label, error),
    );
  }

  add(peer: PeerId, item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      const list = this.waiting.get(peer) ?? [];
      list.push({ item, resolve, reject });
      this.waiting.set(peer, list);
      this.runner.request(peer);
    });
  }
}

export class Messenger {
  readonly outbox: OutboxSender;
  /** Texts written while an earlier commit runs are committed together (one disk flush). */
  private readonly writes = new Batches<string>('queue', async (peer, texts) => {
    await this.outbox.queue(peer, texts);
    await this.kick(peer);
  });
  /** Envelopes likewise: opened and committed in one durable transaction, one receipt per batch. */
  private readonly arrivals = new Batches<Uint8Array>('open', (peer, envelopes) => this.openBatch(peer, envelopes));
  private readonly lastRepair = new Map<PeerId, number>();
  private readonly typingThrottle = new TypingThrottle(CLIENT_TIMING.typingIntervalMs);

  constructor(private readonly ctx: MessengerContext) {
    this.outbox = new OutboxSender(ctx.transport, ctx.cipher, (peer, error) => this.sealFailed(peer, error));
  }

  /** Persists the message, then sends it. Resolves once it is durably stored. */
  send(peer: PeerId, text: string): Promise<void> {
    return this.writes.add(peer, text);
  }

  /**
   * The user is typing to `peer`: tell them, now and then (see TypingThrottle). Over an open
   * channel only: the news is stale within seconds, so it is worth neither a relay through the
   * server nor a mailbox blob, and it never starts a connection or a session.
   */
  async typing(peer: PeerId): Promise<void> {
    const { transport, cipher } = this.ctx;
    // Most keystrokes stop here, without reading the database.
    if (!transport.isOpen(peer) || !this.typingThrottle.take(peer, Date.now())) return;
    let envelopes: Uint8Array[] | null;
    try {
      // Not while sending is held (a session change not acknowledged, or blocked), and no session started.
      envelopes = await cipher.seal(peer, [{ t: 'typing' }], { start: false, holdable: true });
    } catch (error) {
      this.sealFailed(peer, error);
      return;
    }
    if (!envelopes) return this.typingThrottle.giveBack(peer);
    await transport.send(peer, envelopes); // no channel any more: dropped, like the news it was
  }

  /** The user asked to try a "Not delivered" message again. */
  async retry(peer: PeerId, id: string): Promise<void> {
    await retryFailed(peer, id);
    await this.kick(peer);
  }

  /**
   * Gets pending messages moving, and asks for a channel if the contact is online and one is
   * wanted (something to send, or the conversation is on screen). Channels open on demand, not
   * to every contact that comes online, and a moment later rather than at once: pending messages
   * are already on their way through the server, and setting WebRTC up would compete with
   * committing and showing them.
   */
  async kick(peer: PeerId): Promise<void> {
    if (await isBlocked(peer)) return;
    const pending = await hasPending(peer);
    if (pending) this.outbox.request(peer);
    if (this.ctx.transport.isOpen(peer) || !this.ctx.isOnline(peer) || !this.ctx.canOpenChannel()) return;
    if (pending || this.ctx.isViewing(peer)) setTimeout(() => this.ctx.transport.connect(peer), CHANNEL_SETUP_DELAY_MS);
  }

  /** A channel to `peer` opened: introduce ourselves, compare notes, resend what is pending. */
  onOpen(peer: PeerId): void {
    this.outbox.channelOpened(peer);
    void db.conversations.get(peer).then((conversation) => this.sendSync(peer, conversation, [{ t: 'profile', name: this.ctx.myName() }]));
    void this.markRead(peer);
  }

  /**
   * The contact came online. If we have talked before, compare notes now rather than waiting for a
   * channel (which may never form): gaps on either side get refilled through whatever path works.
   */
  async onPeerOnline(peer: PeerId): Promise<void> {
    const conversation = await db.conversations.get(peer);
    if (conversation && (conversation.lastSeq > 0 || conversation.peerSeq > 0)) await this.sendSync(peer, conversation);
    await this.kick(peer);
  }

  /**
   * The user blocked or unblocked the contact. Blocking closes the channel (none is opened or
   * accepted while it lasts). Unblocking compares notes at once: the contact resends what it sent
   * meanwhile, and those copies are dropped and acknowledged (receive.ts), which ends its retries.
   */
  async blockChanged(peer: PeerId, blocked: boolean): Promise<void> {
    if (blocked) {
      this.ctx.transport.close(peer, 'contact blocked');
      return;
    }
    if (this.ctx.isOnline(peer)) await this.sendSync(peer, await db.conversations.get(peer));
    await this.kick(peer);
  }

  onServerError(code: ErrorCode, ref: string | undefined): void {
    void this.outbox.onServerError(code, ref);
  }

  /** Resolves once the envelope is durably processed (the server may then delete its copy). */
  onEnvelope(peer: PeerId, envelope: Uint8Array): Promise<void> {
    return this.arrivals.add(peer, envelope);
  }

  /** Frames other than messages, applied after the batch that carried them is committed. */
  private async onControl(peer: PeerId, frame: Exclude<PeerFrame, MessagePeerFrame>): Promise<void> {
    switch (frame.t) {
      case 'receipt':
        return applyReceipt(peer, frame);
      case 'profile':
        return applyPeerName(peer, frame.name);
      case 'sync':
        if ((await requeueAbove(peer, frame.have)) > 0) await this.kick(peer);
        return;
      case 'typing':
        this.ctx.onTyping(peer);
        return;
    }
  }

  /** Marks what the user now sees as read and tells the sender, unless the user chose not to. */
  async markRead(peer: PeerId): Promise<void> {
    if (!this.ctx.isViewing(peer)) return;
    const unread = await listUnreadIncoming(peer);
    if (unread.length === 0) return;
    const ids = await markIncomingRead(peer, unread.map((m) => m.id));
    if (this.ctx.sendsReadReceipts()) await this.sendReceipts(peer, 'read', ids);
  }

  /**
   * Opens a batch of envelopes and commits the messages among them with the session state, in one
   * transaction; only then are receipts sent and the other frames applied.
   *
   * A blocked contact's envelopes are opened all the same, so that the session stays in step and
   * works again after an unblock, and acknowledged to the server so that it deletes them; but
   * nothing they carry is kept or applied, nothing is answered, and nothing is reported.
   */
  private async openBatch(peer: PeerId, envelopes: Uint8Array[]): Promise<void> {
    const outcome = await this.ctx.cipher.open(peer, envelopes, (frames, sessionChanged) =>
      commitIncoming(peer, frames.filter(isMessage), sessionChanged),
    );
    if (outcome.committed.blocked) return;
    for (const code of new Set(outcome.failures)) {
      if (!QUIET_FAILURES.has(code)) this.ctx.onSecurityEvent({ kind: 'bad_envelope', peer, code });
    }
    if (outcome.sessionChanged) this.ctx.onSecurityEvent({ kind: 'session_changed', peer });
    for (const frame of outcome.frames) if (!isMessage(frame)) await this.onControl(peer, frame);
    const { ids, added, conversation } = outcome.committed;
    // After the control frames: a message ends a typing frame that came before it in the batch.
    if (added.length > 0) this.ctx.onMessagesCommitted(peer, added, conversation);
    await this.sendReceipts(peer, 'delivered', ids);
    if (outcome.failures.some((code) => SESSION_MISMATCH.has(code))) await this.repair(peer, conversation);
    // A gap: tell the sender what we hold so it resends what we lack.
    else if (conversation.peerSeqAhead.length > 0) await this.sendSync(peer, conversation);
    if (outcome.sessionStarted) await this.sendControl(peer, [{ t: 'profile', name: this.ctx.myName() }]);
    await this.markRead(peer);
  }

  /**
   * The contact sent something in a session we do not have (we lost it, or they are on one we
   * dropped). A sync in our session (started now if need be) makes theirs follow it, since the
   * session a message opens in becomes the one to answer in; what we lack then comes again.
   */
  private async repair(peer: PeerId, conversation: ConversationRow): Promise<void> {
    const now = Date.now();
    if (now - (this.lastRepair.get(peer) ?? 0) < REPAIR_INTERVAL_MS) return;
    this.lastRepair.set(peer, now);
    await this.sendSync(peer, conversation, [], true);
  }

  /** Sends what we hold from `peer` (after any `before` frames), from an already read conversation. */
  private async sendSync(peer: PeerId, conversation: ConversationRow | undefined, before: PeerFrame[] = [], startSession = false): Promise<void> {
    const sync: PeerFrame = { t: 'sync', have: conversation?.peerSeq ?? 0, last: conversation?.lastSeq ?? 0 };
    await this.sendControl(peer, [...before, sync], startSession);
  }

  /**
   * Receipts, profile and sync, sealed once and sent once (see Transport.sendOnce). They do not
   * start a session unless asked: only messages do, so two people opening a channel to each
   * other do not both start one. A blocked contact gets none of them.
   */
  private async sendControl(peer: PeerId, frames: PeerFrame[], startSession = false): Promise<void> {
    if (await isBlocked(peer)) return;
    let envelopes: Uint8Array[] | null;
    try {
      envelopes = await this.ctx.cipher.seal(peer, frames, { start: startSession });
    } catch (error) {
      this.sealFailed(peer, error);
      return;
    }
    if (envelopes) await this.ctx.transport.sendOnce(peer, envelopes);
  }

  /** No session could be started with `peer`; a bundle that failed its checks is an attack. */
  private sealFailed(peer: PeerId, error: unknown): void {
    if (error instanceof CryptoError) this.ctx.onSecurityEvent({ kind: 'bad_bundle', peer, code: error.code });
    else console.info('no session with', peer, error instanceof Error ? error.message : error);
  }

  private async sendReceipts(peer: PeerId, status: 'delivered' | 'read', ids: string[]): Promise<void> {
    const frames: PeerFrame[] = [];
    for (let i = 0; i < ids.length; i += MESSAGE_LIMITS.maxReceiptIds) {
      frames.push({ t: 'receipt', status, ids: ids.slice(i, i + MESSAGE_LIMITS.maxReceiptIds) });
    }
    if (frames.length > 0) await this.sendControl(peer, frames);
  }
}

const isMessage = (frame: PeerFrame): frame is MessagePeerFrame => frame.t === 'message';
