import type { ErrorCode } from '../protocol/errors.ts';
import type { PeerId } from '../protocol/ids.ts';
import { MESSAGE_LIMITS } from '../protocol/limits.ts';
import type { MessagePeerFrame, PeerFrame } from '../protocol/peer-frames.ts';
import { applyPeerName } from '../storage/contacts.ts';
import { db, type ConversationRow } from '../storage/db.ts';
import { listUnreadIncoming } from '../storage/messages.ts';
import { hasPending } from '../storage/outbox.ts';
import type { Transport } from '../net/transport.ts';
import { queueMessages } from './compose.ts';
import { applyReceipt, requeueAbove, retryFailed } from './delivery.ts';
import { commitIncoming, markIncomingRead } from './receive.ts';
import { CoalescingRunner } from './coalescing-runner.ts';
import { OutboxSender } from './outbox-sender.ts';

// Moves messages between the local database and the transport: persists what the user writes
// before anything is sent, commits what arrives before acknowledging it, turns receipts into
// states, and exchanges sync frames so that gaps get filled.

export interface MessengerContext {
  transport: Transport;
  /** Our display name, sent to a contact when a channel opens. */
  myName(): string;
  /** Whether the user is looking at this conversation right now (for read receipts). */
  isViewing(peer: PeerId): boolean;
  /** Whether the contact is online according to the server. */
  isOnline(peer: PeerId): boolean;
  /** False while no WebRTC attempt could succeed (relay-only mode and no TURN server offered). */
  canOpenChannel(): boolean;
}

/** How long after it is wanted a channel is set up (see kick). */
const CHANNEL_SETUP_DELAY_MS = 100;

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
    const messages = await queueMessages(peer, texts);
    void this.outbox.sendFresh(peer, messages);
    await this.kick(peer);
  });
  /** Incoming messages likewise: one durable transaction, then one receipt for the batch. */
  private readonly arrivals = new Batches<MessagePeerFrame>('commit', (peer, frames) => this.commit(peer, frames));

  constructor(private readonly ctx: MessengerContext) {
    this.outbox = new OutboxSender(ctx.transport);
  }

  /** Persists the message, then sends it. Resolves once it is durably stored. */
  send(peer: PeerId, text: string): Promise<void> {
    return this.writes.add(peer, text);
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

  onServerError(code: ErrorCode, ref: string | undefined): void {
    void this.outbox.onServerError(code, ref);
  }

  /** Resolves once every frame is durably processed (the server may then delete its copy). */
  async onFrames(peer: PeerId, frames: PeerFrame[]): Promise<void> {
    await Promise.all(frames.map((frame) => this.onFrame(peer, frame)));
  }

  private async onFrame(peer: PeerId, frame: PeerFrame): Promise<void> {
    switch (frame.t) {
      case 'message':
        return this.arrivals.add(peer, frame);
      case 'receipt':
        return applyReceipt(peer, frame);
      case 'profile':
        return applyPeerName(peer, frame.name);
      case 'sync':
        if ((await requeueAbove(peer, frame.have)) > 0) await this.kick(peer);
        return;
    }
  }

  /** Marks what the user now sees as read and tells the sender. */
  async markRead(peer: PeerId): Promise<void> {
    if (!this.ctx.isViewing(peer)) return;
    const unread = await listUnreadIncoming(peer);
    if (unread.length === 0) return;
    const ids = await markIncomingRead(peer, unread.map((m) => m.id));
    await this.sendReceipts(peer, 'read', ids);
  }

  private async commit(peer: PeerId, frames: MessagePeerFrame[]): Promise<void> {
    const { ids, conversation } = await commitIncoming(peer, frames);
    await this.sendReceipts(peer, 'delivered', ids);
    // A gap: tell the sender what we hold so it resends what we lack.
    if (conversation.peerSeqAhead.length > 0) await this.sendSync(peer, conversation);
    await this.markRead(peer);
  }

  /** Sends what we hold from `peer` (after any `before` frames), from an already read conversation. */
  private async sendSync(peer: PeerId, conversation: ConversationRow | undefined, before: PeerFrame[] = []): Promise<void> {
    const sync: PeerFrame = { t: 'sync', have: conversation?.peerSeq ?? 0, last: conversation?.lastSeq ?? 0 };
    await this.ctx.transport.sendControl(peer, [...before, sync]);
  }

  private async sendReceipts(peer: PeerId, status: 'delivered' | 'read', ids: string[]): Promise<void> {
    const frames: PeerFrame[] = [];
    for (let i = 0; i < ids.length; i += MESSAGE_LIMITS.maxReceiptIds) {
      frames.push({ t: 'receipt', status, ids: ids.slice(i, i + MESSAGE_LIMITS.maxReceiptIds) });
    }
    if (frames.length > 0) await this.ctx.transport.sendControl(peer, frames);
  }
}
