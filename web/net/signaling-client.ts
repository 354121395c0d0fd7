import { sign, type IdentityKeys } from '../crypto/identity.ts';
import { CLOSE_CODES } from '../protocol/errors.ts';
import type { PeerId } from '../protocol/ids.ts';
import { CLIENT_TIMING } from '../protocol/limits.ts';
import { parseServerFrame, PROTOCOL_VERSION, WS_SUBPROTOCOL, type ClientFrame, type IceServer, type ServerFrame } from '../protocol/server-frames.ts';
import type { SignalData } from '../protocol/signal-data.ts';
import { authTranscript, signalingOrigin } from '../protocol/transcripts.ts';
import { backoffDelay } from './backoff.ts';

// The browser's connection to the signaling server: authenticates, keeps itself alive across
// network changes, and hands typed frames to its owner. It never interprets signal payloads.

export type SignalingState = 'connecting' | 'online' | 'offline' | 'replaced';

export interface SignalingHandlers {
  onState(state: SignalingState): void;
  onPresence(peers: { id: PeerId; online: boolean }[]): void;
  onSignal(from: PeerId, data: SignalData): void;
  onServerError(frame: Extract<ServerFrame, { t: 'error' }>): void;
  onAccepted(frame: Extract<ServerFrame, { t: 'accepted' }>): void;
  onDeliver(frame: Extract<ServerFrame, { t: 'deliver' }>): void;
  /** The STUN/TURN servers to use from now on. */
  onIceServers(servers: IceServer[]): void;
  /** The server holds few (`count`) of our one-time prekeys, or no signed prekey: publish. */
  onPrekeysLow(count: number): void;
}

type BundleFrame = Extract<ServerFrame, { t: 'bundle' }>;
type PrekeysFrame = Extract<ClientFrame, { t: 'prekeys' }>;

/** Server errors that answer a `bundle` request (their `ref` names the peer asked about). */
const BUNDLE_ERRORS = new Set(['no_prekeys', 'rate_limited', 'bad_target', 'server_error']);

/** A bundle request the server has not answered after this long is given up (and retried later). */
const BUNDLE_TIMEOUT_MS = 10_000;

export class BundleUnavailable extends Error {
  constructor(readonly code: string) {
    super(`No prekey bundle: ${code}`);
    this.name = 'BundleUnavailable';
  }
}

interface BundleWaiter {
  resolve(frame: BundleFrame): void;
  reject(error: Error): void;
}

/** Fresh TURN credentials are asked for this long before the current ones expire. */
const ICE_REFRESH_MARGIN_MS = 5 * 60_000;

export class SignalingClient {
  private ws: WebSocket | null = null;
  private state: SignalingState = 'offline';
  private attempt = 0;
  private watched: PeerId[] = [];
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private pongDeadline: ReturnType<typeof setTimeout> | undefined;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private iceRefreshTimer: ReturnType<typeof setTimeout> | undefined;
  private pingCounter = 0;
  private stopped = false;
  private readonly bundleWaiters = new Map<PeerId, BundleWaiter[]>();

  constructor(
    private url: string,
    private readonly keys: IdentityKeys,
    private readonly handlers: SignalingHandlers,
  ) {}

  start(): void {
    this.stopped = false;
    addEventListener('online', this.reconnectNow);
    this.open();
  }

  stop(): void {
    this.stopped = true;
    removeEventListener('online', this.reconnectNow);
    this.dropSocket();
  }

  /**
   * Leaves the current server for the one at `url` (the user chose another in Settings): the
   * socket is dropped at once, without waiting for its close handshake, and the new one opened.
   * What the old server would have answered (a bundle request) fails as it would on a reconnect.
   */
  connectTo(url: string): void {
    this.url = url;
    this.dropSocket();
    this.setState('offline');
    this.attempt = 0;
    this.open();
  }

  get isOnline(): boolean {
    return this.state === 'online';
  }

  /** Sets the peer IDs whose presence we want; re-sent automatically after every reconnect. */
  watch(ids: PeerId[]): void {
    this.watched = [...new Set(ids)];
    if (this.state === 'online') this.send({ t: 'watch', ids: this.watched });
  }

  /** Sends a signal; false when not connected (the caller retries when we are back online). */
  sendSignal(to: PeerId, data: SignalData): boolean {
    return this.state === 'online' && this.send({ t: 'signal', to, data });
  }

  /** Hands a blob to the server for `to` (relay or mailbox); false when not connected. */
  sendBlob(to: PeerId, id: string, blob: string): boolean {
    return this.state === 'online' && this.send({ t: 'send', to, id, blob });
  }

  /** Tells the server a mailbox delivery is durably stored here, so it can delete its copy. */
  ack(id: string): void {
    if (this.state === 'online') this.send({ t: 'ack', id });
  }

  /**
   * Asks the server for `peer`'s prekey bundle (which uses up one of its one-time prekeys). The
   * bundle is as the server sent it: the caller verifies it. Rejects with BundleUnavailable when
   * the server has none, refuses, does not answer in time, or is not connected.
   */
  fetchBundle(peer: PeerId): Promise<BundleFrame> {
    return new Promise((resolve, reject) => {
      if (!(this.state === 'online' && this.send({ t: 'bundle', peer }))) return reject(new BundleUnavailable('offline'));
      const waiter: BundleWaiter = {
        resolve: (frame) => {
          clearTimeout(timer);
          resolve(frame);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      const timeout = (w: BundleWaiter): boolean => {
        if (w !== waiter) return false;
        w.reject(new BundleUnavailable('timeout'));
        return true;
      };
      const timer = setTimeout(() => this.settleBundle(peer, timeout), BUNDLE_TIMEOUT_MS);
      this.bundleWaiters.set(peer, [...(this.bundleWaiters.get(peer) ?? []), waiter]);
    });
  }

  /** Publishes prekeys; false when not connected. The server answers `prekeys_stored` or an error. */
  publishPrekeys(frame: Omit<PrekeysFrame, 't'>): boolean {
    return this.state === 'online' && this.send({ t: 'prekeys', ...frame });
  }

  /** Calls `settle` for each waiter of `peer` and forgets those it settled (returned true for). */
  private settleBundle(peer: PeerId, settle: (waiter: BundleWaiter) => boolean): void {
    const left = (this.bundleWaiters.get(peer) ?? []).filter((w) => !settle(w));
    if (left.length > 0) this.bundleWaiters.set(peer, left);
    else this.bundleWaiters.delete(peer);
  }

  /**
   * Checks the socket now instead of at the next scheduled ping: when a data channel loses its
   * path, the network probably changed, and this socket may be just as dead without knowing it.
   */
  probe(): void {
    if (this.state !== 'online' || this.pongDeadline !== undefined) return;
    this.ping(CLIENT_TIMING.probeTimeoutMs);
  }

  private send(frame: ClientFrame): boolean {
    if (this.ws?.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  private setState(state: SignalingState): void {
    if (this.state === state) return;
    this.state = state;
    this.handlers.onState(state);
  }

  private open(): void {
    if (this.stopped) return;
    this.setState('connecting');
    const ws = new WebSocket(this.url, WS_SUBPROTOCOL);
    this.ws = ws;
    ws.onmessage = (event) => {
      if (this.ws === ws && typeof event.data === 'string') void this.onFrame(event.data);
    };
    ws.onclose = (event) => {
      if (this.ws !== ws) return;
      this.teardown();
      this.ws = null;
      if (event.code === CLOSE_CODES.replaced) {
        // Another tab or device of this identity took over; fighting it would loop forever.
        this.setState('replaced');
        return;
      }
      this.setState('offline');
      this.scheduleReconnect();
    };
  }

  private async onFrame(raw: string): Promise<void> {
    const parsed = parseServerFrame(raw);
    if (!parsed.ok) return; // A server speaking nonsense gets no reaction; the ping notices death.
    const frame = parsed.frame;
    switch (frame.t) {
      case 'challenge': {
        if (frame.v !== PROTOCOL_VERSION) return this.ws?.close(1002);
        const sig = await sign(this.keys, authTranscript(frame.nonce, signalingOrigin(this.url)));
        this.send({ t: 'auth', v: PROTOCOL_VERSION, id: this.keys.id, sig });
        return;
      }
      case 'ready':
        if (frame.id !== this.keys.id) return this.ws?.close(1002);
        this.attempt = 0;
        this.startPing();
        this.setState('online');
        if (this.watched.length > 0) this.send({ t: 'watch', ids: this.watched });
        return;
      case 'ice': {
        this.handlers.onIceServers(frame.servers);
        clearTimeout(this.iceRefreshTimer);
        if (frame.expiresAt !== undefined) {
          const delay = Math.max(frame.expiresAt - ICE_REFRESH_MARGIN_MS - Date.now(), 10_000);
          this.iceRefreshTimer = setTimeout(() => this.send({ t: 'ice' }), delay);
        }
        return;
      }
      case 'presence':
        return this.handlers.onPresence(frame.peers);
      case 'signal':
        return this.handlers.onSignal(frame.from, frame.data);
      case 'pong':
        if (frame.n === this.pingCounter) {
          clearTimeout(this.pongDeadline);
          this.pongDeadline = undefined;
        }
        return;
      case 'accepted':
        return this.handlers.onAccepted(frame);
      case 'deliver':
        return this.handlers.onDeliver(frame);
      case 'bundle':
        return this.settleBundle(frame.peer, (w) => {
          w.resolve(frame);
          return true;
        });
      case 'prekeys_low':
        return this.handlers.onPrekeysLow(frame.count);
      case 'prekeys_stored':
        return;
      case 'error':
        if (frame.ref !== undefined && BUNDLE_ERRORS.has(frame.code) && this.bundleWaiters.has(frame.ref)) {
          const code = frame.code;
          return this.settleBundle(frame.ref, (w) => {
            w.reject(new BundleUnavailable(code));
            return true;
          });
        }
        return this.handlers.onServerError(frame);
    }
  }

  private startPing(): void {
    this.pingTimer = setInterval(() => this.ping(CLIENT_TIMING.pingTimeoutMs), CLIENT_TIMING.pingIntervalMs);
  }

  private ping(timeoutMs: number): void {
    this.pingCounter += 1;
    const ws = this.ws;
    if (!ws || !this.send({ t: 'ping', n: this.pingCounter })) return;
    clearTimeout(this.pongDeadline);
    // A socket can stay "open" for minutes after the network is gone (phones, Wi-Fi hand-over).
    this.pongDeadline = setTimeout(() => this.abandon(ws), timeoutMs);
  }

  /**
   * Gives up on a socket that stopped answering. Its close handshake cannot complete over a dead
   * path and would hold onclose back for a long time, so it is detached and replaced now.
   */
  private abandon(ws: WebSocket): void {
    if (this.ws !== ws) return;
    this.teardown();
    this.ws = null;
    ws.close(4000);
    this.setState('offline');
    this.attempt = 0;
    this.scheduleReconnect();
  }

  /** Closes the socket on purpose: no reconnect is pending, and nothing on it is awaited any more. */
  private dropSocket(): void {
    clearTimeout(this.reconnectTimer);
    this.teardown();
    const old = this.ws;
    this.ws = null;
    old?.close(1000);
  }

  private teardown(): void {
    // Requests on this socket will never be answered.
    for (const peer of [...this.bundleWaiters.keys()]) {
      this.settleBundle(peer, (w) => {
        w.reject(new BundleUnavailable('offline'));
        return true;
      });
    }
    clearTimeout(this.iceRefreshTimer);
    clearInterval(this.pingTimer);
    clearTimeout(this.pongDeadline);
    this.pongDeadline = undefined;
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    clearTimeout(this.reconnectTimer);
    const delay = backoffDelay(this.attempt++, CLIENT_TIMING.reconnectBaseMs, CLIENT_TIMING.reconnectMaxMs);
    this.reconnectTimer = setTimeout(() => this.open(), delay);
  }

  private readonly reconnectNow = (): void => {
    if (this.state !== 'offline' || this.stopped) return;
    clearTimeout(this.reconnectTimer);
    this.attempt = 0;
    this.open();
  };
}
