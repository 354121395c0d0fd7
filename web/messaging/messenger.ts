import type { PeerId } from '../protocol/ids.ts';
import { MESSAGE_LIMITS } from '../protocol/limits.ts';
import type { MessagePeerFrame, PeerFrame } from '../protocol/peer-frames.ts';
import { applyPeerName } from '../storage/contacts.ts';
import { listUnreadIncoming } from '../storage/messages.ts';
import { hasPending, pendingFor } from '../storage/outbox.ts';
import type { Transport } from '../net/transport.ts';
import { queueMessages } from './compose.ts';
import { applyReceipt, markSent } from './delivery.ts';
import { commitIncoming, markIncomingRead } from './receive.ts';
import { CoalescingRunner } from './coalescing-runner.ts';

// Moves messages between the local database and the transport: drains the outbox onto open
// channels, commits what arrives before acknowledging it, and turns receipts into states.

export interface MessengerContext {
  transport: Transport;
  /** Our display name, sent to a contact when a channel opens. */
  myName(): string;
  /** Whether the user is looking at this conversation right now (for read receipts). */
  isViewing(peer: PeerId): boolean;
  /** Whether the contact is online according to the server. */
  isOnline(peer: PeerId): boolean;
}

export class Messenger {
  /** Message IDs written on the current channel of each contact; cleared when a channel opens. */
  private readonly sentOnLink = new Map<PeerId, Set<string>>();
  private readonly toQueue = new Map<PeerId, { text: string; resolve(): void; reject(error: unknown): void }[]>();
  private readonly queuer = new CoalescingRunner<PeerId>((peer) => this.queue(peer), (e) => console.error('queue', e));
  private readonly drainer = new CoalescingRunner<PeerId>((peer) => this.drain(peer), (e) => console.error('drain', e));
  private readonly incoming = new Map<PeerId, MessagePeerFrame[]>();
  private readonly committer = new CoalescingRunner<PeerId>((peer) => this.commit(peer), (e) => console.error('commit', e));

  constructor(private readonly ctx: MessengerContext) {}

  /**
   * Persists the message first, then tries to send it. Resolves once it is durably stored.
   * Messages written while an earlier commit is running are committed together.
   */
  send(peer: PeerId, text: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const waiting = this.toQueue.get(peer) ?? [];
      waiting.push({ text, resolve, reject });
      this.toQueue.set(peer, waiting);
      this.queuer.request(peer);
    });
  }

  private async queue(peer: PeerId): Promise<void> {
    const batch = this.toQueue.get(peer) ?? [];
    this.toQueue.delete(peer);
    if (batch.length === 0) return;
    try {
      await queueMessages(peer, batch.map((w) => w.text));
    } catch (error) {
      for (const w of batch) w.reject(error);
      return;
    }
    for (const w of batch) w.resolve();
    await this.kick(peer);
  }

  /**
   * Gets pending messages moving: drain an open channel, or open one if the contact is online and
   * a channel is wanted (something to send, or the conversation is on screen). Channels open on
   * demand, not to every contact that comes online.
   */
  async kick(peer: PeerId): Promise<void> {
    if (this.ctx.transport.isOpen(peer)) return this.drainer.request(peer);
    if (!this.ctx.isOnline(peer)) return;
    if (this.ctx.isViewing(peer) || (await hasPending(peer))) this.ctx.transport.connect(peer);
  }

  /** A channel to `peer` opened: introduce ourselves and (re)send everything not yet delivered. */
  onOpen(peer: PeerId): void {
    this.sentOnLink.set(peer, new Set());
    void this.ctx.transport.send(peer, [{ t: 'profile', name: this.ctx.myName() }]);
    this.drainer.request(peer);
    void this.markRead(peer);
  }

  onFrames(peer: PeerId, frames: PeerFrame[]): void {
    for (const frame of frames) {
      switch (frame.t) {
        case 'message':
          this.queueIncoming(peer, frame);
          break;
        case 'receipt':
          void applyReceipt(peer, frame);
          break;
        case 'profile':
          void applyPeerName(peer, frame.name);
          break;
      }
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

  /** Writes every outbox message not yet written on the current channel, in sequence order. */
  private async drain(peer: PeerId): Promise<void> {
    const sent = this.sentOnLink.get(peer);
    if (!sent || !this.ctx.transport.isOpen(peer)) return;
    const pending = (await pendingFor(peer)).filter((m) => !sent.has(m.id));
    if (pending.length === 0) return;
    const frames: PeerFrame[] = pending.map((m) => ({ t: 'message', id: m.id, seq: m.seq, ts: m.sentAt, text: m.text }));
    if (await this.ctx.transport.send(peer, frames)) {
      for (const m of pending) sent.add(m.id);
      await markSent(peer, pending.map((m) => m.id));
    }
  }

  /**
   * Incoming messages are committed in batches: one durable transaction for everything that
   * arrived while the previous commit was running, then one receipt for the whole batch.
   */
  private queueIncoming(peer: PeerId, frame: MessagePeerFrame): void {
    const queue = this.incoming.get(peer) ?? [];
    queue.push(frame);
    this.incoming.set(peer, queue);
    this.committer.request(peer);
  }

  private async commit(peer: PeerId): Promise<void> {
    const batch = this.incoming.get(peer) ?? [];
    this.incoming.delete(peer);
    if (batch.length === 0) return;
    const { ids } = await commitIncoming(peer, batch);
    await this.sendReceipts(peer, 'delivered', ids);
    await this.markRead(peer);
  }

  private async sendReceipts(peer: PeerId, status: 'delivered' | 'read', ids: string[]): Promise<void> {
    const frames: PeerFrame[] = [];
    for (let i = 0; i < ids.length; i += MESSAGE_LIMITS.maxReceiptIds) {
      frames.push({ t: 'receipt', status, ids: ids.slice(i, i + MESSAGE_LIMITS.maxReceiptIds) });
    }
    if (frames.length > 0) await this.ctx.transport.send(peer, frames);
  }
}
