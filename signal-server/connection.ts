import { randomBytes } from 'node:crypto';
import { WebSocket, type RawData } from 'ws';
import { toBase64Url } from '../web/protocol/encoding.ts';
import { CLOSE_CODES, type ErrorCode } from '../web/protocol/errors.ts';
import type { PeerId } from '../web/protocol/ids.ts';
import type { ServerLimits } from '../web/protocol/limits.ts';
import { parseClientFrame, serverFrame, type ClientFrame, type ServerFrame } from '../web/protocol/server-frames.ts';
import { verifyAuth } from './auth.ts';
import { MailboxDelivery, type BlobRouter, type Recipient } from './delivery.ts';
import type { Mailbox } from './mailbox.ts';
import type { PrekeyExchange } from './prekey-exchange.ts';
import type { PresenceRegistry } from './presence.ts';
import { FrameRateLimiter } from './rate-limit.ts';
import { iceServersFor, type IceOptions } from './ice.ts';

// One client socket, from challenge to close. Everything a client sends is untrusted: it is
// parsed into a typed frame, and everything sent on is a frame this server builds itself.

/** What every connection shares with the rest of the server. */
export interface ConnectionContext {
  limits: ServerLimits;
  presence: PresenceRegistry<Connection>;
  mailbox: Mailbox;
  router: BlobRouter;
  prekeys: PrekeyExchange;
  /** STUN/TURN servers handed to authenticated clients (none configured: host candidates only). */
  ice?: IceOptions;
  log: (line: string) => void;
}

/** How long shutdown waits for a client to answer the close handshake before cutting it off. */
const SHUTDOWN_GRACE_MS = 1_000;

type WatchFrame = Extract<ClientFrame, { t: 'watch' }>;
type SignalFrame = Extract<ClientFrame, { t: 'signal' }>;

export class Connection implements Recipient {
  /** Set once the challenge is answered; null means only `auth` is accepted. */
  private peerId: PeerId | null = null;
  /** This connection's mailbox deliveries; set together with peerId. */
  private inbox: MailboxDelivery | null = null;
  private readonly nonce = toBase64Url(randomBytes(32));
  private readonly rate: FrameRateLimiter;
  private readonly authDeadline: NodeJS.Timeout;
  private answeredPing = true;
  /** Set once a close is decided (perhaps still queued behind earlier frames): read no more. */
  private refusing = false;
  /**
   * Frames are handled one after another even though checking `auth` is asynchronous, so a
   * client may send `auth` and `watch` back to back without the watch arriving "too early",
   * and every answer goes out in the order of the frames it answers.
   */
  private work: Promise<void> = Promise.resolve();
  /** Resolves once the socket is closed and presence has been updated. */
  readonly closed: Promise<void>;

  constructor(
    private readonly socket: WebSocket,
    /** The origins an auth signature may name on this connection (see auth.ts). */
    private readonly authOrigins: readonly string[],
    private readonly ctx: ConnectionContext,
  ) {
    this.rate = new FrameRateLimiter(ctx.limits);
    this.authDeadline = setTimeout(
      () => this.guard(() => this.close(CLOSE_CODES.authTimeout, 'authentication timeout')),
      ctx.limits.authDeadlineMs,
    );
    this.closed = new Promise((resolve) => {
      socket.on('close', () => {
        this.guard(() => this.onSocketClosed());
        resolve();
      });
    });
    socket.on('message', (data, isBinary) => this.guard(() => this.onMessage(data, isBinary)));
    socket.on('pong', () => {
      this.answeredPing = true;
    });
    // ws reports protocol errors here (oversized frame, bad UTF-8) and closes the socket itself;
    // without a listener the error would be thrown and take the process down.
    socket.on('error', (error: Error & { code?: string }) => ctx.log(`socket error: ${error.code ?? error.message}`));
    this.send(serverFrame.challenge(this.nonce));
  }

  /** Called on every heartbeat tick: a socket that missed the previous ping is presumed dead. */
  heartbeat(): void {
    if (!this.answeredPing) {
      this.socket.terminate();
      return;
    }
    this.answeredPing = false;
    this.socket.ping();
  }

  /** Closes with "going away", and cuts off a client that does not complete the handshake. */
  async shutdown(): Promise<void> {
    this.close(CLOSE_CODES.goingAway, 'server shutting down');
    const cutOff = setTimeout(() => this.socket.terminate(), SHUTDOWN_GRACE_MS);
    await this.closed;
    clearTimeout(cutOff);
  }

  /** False when the socket is closing or closed, and the frame was not sent. */
  send(frame: ServerFrame): boolean {
    if (this.socket.readyState !== WebSocket.OPEN) return false;
    this.socket.send(JSON.stringify(frame));
    return true;
  }

  relay(frame: ServerFrame): boolean {
    return !this.refusing && this.send(frame);
  }

  mailboxChanged(): void {
    this.guard(() => this.inbox?.pump());
  }

  private close(code: number, reason: string): void {
    this.refusing = true;
    clearTimeout(this.authDeadline);
    this.socket.close(code, reason);
  }

  private sendErrorAndClose(code: ErrorCode, closeCode: number, detail?: string): void {
    this.send(serverFrame.error(code, undefined, detail));
    this.close(closeCode, code);
  }

  /** One misbehaving connection must never take the process (and everyone else) down. */
  private guard(handler: () => void): void {
    try {
      handler();
    } catch (error) {
      this.fail(error);
    }
  }

  private fail(error: unknown): void {
    this.ctx.log(`connection failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    this.close(CLOSE_CODES.internalError, 'internal error');
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    if (this.refusing) return;
    // Counted on arrival rather than when handled, so a flood cannot build up queued work.
    const decision = this.rate.decide();
    if (decision === 'close') this.refusing = true;
    const text = isBinary ? null : rawDataToText(data);
    this.enqueue(() => (decision === 'allow' ? this.handleFrame(text) : this.refuseOverRate(decision)));
  }

  /** Runs after everything queued before; once the socket is closing, queued work is skipped. */
  private enqueue(task: () => void | Promise<void>): void {
    this.work = this.work
      .then(() => (this.socket.readyState === WebSocket.OPEN ? task() : undefined))
      .catch((error: unknown) => this.fail(error)); // so the chain itself never rejects
  }

  private refuseOverRate(decision: 'drop' | 'close'): void {
    if (decision === 'close') this.sendErrorAndClose('rate_limited', CLOSE_CODES.rateLimited);
    else this.send(serverFrame.error('rate_limited'));
  }

  /** `text` is null for a binary frame. */
  private async handleFrame(text: string | null): Promise<void> {
    if (text === null) {
      const detail = 'Binary frames are not part of the protocol.';
      if (this.peerId === null) this.sendErrorAndClose('bad_frame', CLOSE_CODES.protocolViolation, detail);
      else this.send(serverFrame.error('bad_frame', undefined, detail));
      return;
    }
    await this.handleText(text);
  }

  private async handleText(text: string): Promise<void> {
    const parsed = parseClientFrame(text);
    if (this.peerId === null) {
      if (!parsed.ok) this.sendErrorAndClose(parsed.code, CLOSE_CODES.protocolViolation, parsed.message);
      else if (parsed.frame.t !== 'auth') this.sendErrorAndClose('not_authenticated', CLOSE_CODES.protocolViolation);
      else await this.authenticate(parsed.frame);
      return;
    }
    if (!parsed.ok) {
      this.send(serverFrame.error(parsed.code, undefined, parsed.message));
      return;
    }
    const frame = parsed.frame;
    switch (frame.t) {
      case 'auth':
        this.send(serverFrame.error('already_authenticated'));
        return;
      case 'watch':
        this.watch(frame);
        return;
      case 'signal':
        this.forwardSignal(this.peerId, frame);
        return;
      case 'ping':
        this.send(serverFrame.pong(frame.n));
        return;
      case 'ice':
        this.sendIceServers(this.peerId);
        return;
      // Not awaited: the next frames are handled while this one waits for its group commit
      // (mailbox.ts), or every blob would cost a commit of its own. Each answer names its ID.
      case 'send':
        this.inBackground(this.ctx.router.send(this.peerId, frame, (reply) => this.send(reply)));
        return;
      case 'ack':
        this.inBackground(this.inbox!.ack(frame.id));
        return;
      // Synchronous: one small transaction each, and a fetch must commit before it answers.
      case 'prekeys':
        this.ctx.prekeys.publish(this.peerId, frame, (reply) => this.send(reply));
        return;
      case 'bundle':
        this.ctx.prekeys.fetch(this.peerId, frame.peer, (reply) => this.send(reply));
        return;
    }
  }

  private inBackground(work: Promise<void>): void {
    work.catch((error: unknown) => this.fail(error));
  }

  private async authenticate(frame: { id: PeerId; sig: string }): Promise<void> {
    const verified = await verifyAuth(frame, this.nonce, this.authOrigins);
    // The deadline may have passed while the signature was being checked.
    if (this.socket.readyState !== WebSocket.OPEN) return;
    if (!verified) {
      this.sendErrorAndClose('auth_failed', CLOSE_CODES.authFailed);
      return;
    }
    clearTimeout(this.authDeadline);
    this.peerId = frame.id;
    this.send(serverFrame.ready(frame.id));
    this.sendIceServers(frame.id);
    this.ctx.prekeys.greet(frame.id, (f) => this.send(f));
    const { replaced, notify } = this.ctx.presence.connect(frame.id, this);
    // The newest connection wins: an old one is usually a tab or network the user has left.
    replaced?.close(CLOSE_CODES.replaced, 'replaced by a newer connection');
    for (const watcher of notify) watcher.send(serverFrame.presence([{ id: frame.id, online: true }]));
    this.inbox = new MailboxDelivery(frame.id, this.ctx, (f) => this.send(f));
    this.inbox.pump();
  }

  /** Fresh TURN credentials are made per request, for this authenticated ID only. */
  private sendIceServers(peer: PeerId): void {
    const { servers, expiresAt } = iceServersFor(this.ctx.ice, peer);
    this.send(serverFrame.ice(servers, expiresAt));
  }

  private watch(frame: WatchFrame): void {
    // The schema caps the list at the default; a server configured lower enforces its own limit.
    if (frame.ids.length > this.ctx.limits.maxWatchedIds) {
      this.send(serverFrame.error('too_many_watched'));
      return;
    }
    this.send(serverFrame.presence(this.ctx.presence.watch(this, frame.ids)));
  }

  private forwardSignal(from: PeerId, frame: SignalFrame): void {
    if (frame.to === from) {
      this.send(serverFrame.error('bad_target', frame.to));
      return;
    }
    const target = this.ctx.presence.connectionOf(frame.to);
    if (!target) {
      this.send(serverFrame.error('peer_offline', frame.to));
      return;
    }
    // `from` is the authenticated ID and `data` is the parser's output (unknown fields dropped),
    // so a client can neither spoof a sender nor smuggle extra fields to its peer.
    target.send(serverFrame.signal(from, frame.data));
  }

  private onSocketClosed(): void {
    this.refusing = true;
    clearTimeout(this.authDeadline);
    if (this.peerId === null) return;
    const presence = this.ctx.presence;
    presence.unwatchAll(this);
    const { notify } = presence.disconnect(this.peerId, this);
    for (const watcher of notify) watcher.send(serverFrame.presence([{ id: this.peerId, online: false }]));
  }
}

/** ws hands over a Buffer, an ArrayBuffer or fragments depending on options; all become text. */
function rawDataToText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}
