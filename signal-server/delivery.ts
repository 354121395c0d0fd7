import { fromBase64Url, toBase64Url } from '../web/protocol/encoding.ts';
import type { PeerId } from '../web/protocol/ids.ts';
import type { ServerLimits } from '../web/protocol/limits.ts';
import { serverFrame, type ClientFrame, type ServerFrame } from '../web/protocol/server-frames.ts';
import type { Mailbox } from './mailbox.ts';
import { KeyedRateLimiter } from './rate-limit.ts';

// Blobs from sender to recipient: relayed at once to an online recipient, otherwise committed to
// the mailbox and delivered from there, a window at a time, until acknowledged. The server only
// ever sees ciphertext; what it must not do is lose what it answered `accepted` for.

type SendFrame = Extract<ClientFrame, { t: 'send' }>;
type Reply = (frame: ServerFrame) => void;

/** What routing needs of a recipient's live connection. */
export interface Recipient {
  /** Sends a relay delivery now; false when the socket can no longer send (it is closing). */
  relay(frame: ServerFrame): boolean;
  /** New mail was committed for this recipient. */
  mailboxChanged(): void;
}

export class BlobRouter {
  /** Per sender ID rather than per connection, so reconnecting does not refill it. */
  private readonly sendRate: KeyedRateLimiter;

  constructor(
    private readonly mailbox: Mailbox,
    private readonly limits: ServerLimits,
    private readonly online: { connectionOf(id: PeerId): Recipient | undefined },
    private readonly log: (line: string) => void,
  ) {
    this.sendRate = new KeyedRateLimiter(limits.sendRatePerSecond, limits.sendRateBurst);
  }

  /**
   * Handles one `send` from the authenticated `from` and answers it through `reply`: `accepted`
   * once the blob was relayed or durably committed, else an error naming the blob's ID.
   * Resolves once answered.
   */
  async send(from: PeerId, frame: SendFrame, reply: Reply): Promise<void> {
    const refuse = (code: 'bad_target' | 'rate_limited' | 'bad_frame' | 'blob_too_large', detail?: string): void =>
      reply(serverFrame.error(code, frame.id, detail));
    if (!this.sendRate.take(from)) return refuse('rate_limited');
    if (frame.to === from) return refuse('bad_target');
    // Strict decoding also makes the text canonical, so it can be relayed as it came.
    const bytes = fromBase64Url(frame.blob);
    if (bytes === null) return refuse('bad_frame', 'The blob is not canonical base64url.');
    if (bytes.byteLength > this.limits.maxBlobBytes) return refuse('blob_too_large');

    const target = this.online.connectionOf(frame.to);
    if (target?.relay(serverFrame.deliver({ id: frame.id, from, blob: frame.blob, via: 'relay', ts: Date.now() }))) {
      return reply(serverFrame.accepted(frame.id, 'relay'));
    }

    let result;
    try {
      result = await this.mailbox.accept({ recipient: frame.to, sender: from, id: frame.id, blob: bytes });
    } catch (error) {
      this.log(`mailbox: commit failed: ${error instanceof Error ? error.message : String(error)}`);
      return reply(serverFrame.error('server_error', frame.id));
    }
    if (!result.ok) return reply(serverFrame.error(result.code, frame.id));
    reply(serverFrame.accepted(frame.id, 'mailbox', result.expiresAt));
    // The recipient may have connected while this was being committed.
    if (result.added) this.online.connectionOf(frame.to)?.mailboxChanged();
  }
}

/**
 * Mailbox deliveries on one authenticated connection. At most `window` are unacknowledged at a
 * time, so a recipient with a full mailbox is not flooded; each acknowledgement makes room for
 * the next. A new connection starts from the oldest blob again, resending what the previous one
 * did not acknowledge: the recipient deduplicates by ID, while a blob sent on no connection
 * would be a loss.
 */
export class MailboxDelivery {
  private readonly unacknowledged = new Set<string>();
  /** The seq of the newest blob sent on this connection; later ones are the next to send. */
  private cursor = 0;
  private readonly mailbox: Mailbox;
  private readonly window: number;
  private readonly log: (line: string) => void;

  constructor(
    private readonly recipient: PeerId,
    ctx: { mailbox: Mailbox; limits: ServerLimits; log: (line: string) => void },
    /** False when the socket can no longer send. */
    private readonly send: (frame: ServerFrame) => boolean,
  ) {
    this.mailbox = ctx.mailbox;
    this.window = ctx.limits.deliveryWindow;
    this.log = ctx.log;
  }

  /** Sends stored blobs, oldest first, until the window is full or none are left. */
  pump(): void {
    for (;;) {
      const room = this.window - this.unacknowledged.size;
      if (room <= 0) return;
      const blobs = this.mailbox.pending(this.recipient, this.cursor, room);
      for (const stored of blobs) {
        const frame = serverFrame.deliver({
          id: stored.id,
          from: stored.sender,
          blob: toBase64Url(stored.blob),
          via: 'mailbox',
          ts: stored.acceptedAt,
        });
        if (!this.send(frame)) return;
        this.unacknowledged.add(stored.id);
        this.cursor = stored.seq;
      }
      if (blobs.length < room) return;
    }
  }

  /** Deletes the recipient's blob `id` (answering only if it cannot), then sends the next one. */
  async ack(id: string): Promise<void> {
    let deleted: boolean;
    try {
      deleted = await this.mailbox.ack(this.recipient, id);
    } catch (error) {
      this.log(`mailbox: acknowledgement failed: ${error instanceof Error ? error.message : String(error)}`);
      this.send(serverFrame.error('server_error', id));
      return;
    }
    // The same answer whether the ID is unknown or someone else's: it reveals nothing.
    if (!deleted) this.send(serverFrame.error('unknown_message', id));
    this.unacknowledged.delete(id);
    this.pump();
  }
}
