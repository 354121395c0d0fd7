import { checkSignedSdp } from '../crypto/signed-sdp.ts';
import { randomId } from '../crypto/random.ts';
import type { IdentityKeys } from '../crypto/identity.ts';
import type { PeerId } from '../protocol/ids.ts';
import { CLIENT_TIMING, SIGNAL_LIMITS } from '../protocol/limits.ts';
import type { SignalData, SignedSdp } from '../protocol/signal-data.ts';
import { backoffDelay } from './backoff.ts';
import { fromBase64Url, toBase64Url } from '../protocol/encoding.ts';
import { PeerLink } from './peer-link.ts';
import type { PathReport } from './path.ts';
import type { SignalingClient } from './signaling-client.ts';

// The per-contact transport: at most one live data channel per contact, opened on demand, with
// glare resolution, retries and verification of everything the signaling server hands us. It
// carries end-to-end envelopes, sealed and opened by the messaging layer: the same bytes go over
// a channel or through the server, and the transport never sees a plaintext.

export type LinkStatus = { kind: 'none' } | { kind: 'connecting' } | { kind: 'open'; path: PathReport | null };

export type SecurityEvent =
  | { kind: 'bad_offer_signature'; peer: PeerId }
  | { kind: 'bad_answer_signature'; peer: PeerId }
  | { kind: 'stale_offer'; peer: PeerId }
  | { kind: 'bad_envelope'; peer: PeerId; code: string }
  | { kind: 'bad_bundle'; peer: PeerId; code: string }
  | { kind: 'session_changed'; peer: PeerId };

export interface TransportHandlers {
  onOpen(peer: PeerId): void;
  /** An envelope arrived; resolves once it is durably processed (for messages: committed). */
  onEnvelope(peer: PeerId, envelope: Uint8Array): Promise<void>;
  onStatus(peer: PeerId, status: LinkStatus): void;
  onSecurityEvent(event: SecurityEvent): void;
  /** Whether a channel with this contact may be accepted (not while the user blocks them). */
  acceptsChannel(peer: PeerId): Promise<boolean>;
}

export class Transport {
  private readonly links = new Map<PeerId, PeerLink>();
  /** Incoming signals per contact, handled one at a time: verification is async. */
  private readonly inbound = new Map<PeerId, Promise<void>>();
  private readonly failures = new Map<PeerId, number>();
  private readonly retryTimers = new Map<PeerId, ReturnType<typeof setTimeout>>();
  /**
   * Session IDs of offers already answered, with the offer's time: a replayed offer is ignored.
   * Offers older than the allowed clock skew are refused as stale anyway, so an ID only needs
   * remembering for that long; older ones are forgotten and the set stays small.
   */
  private readonly seenOfferSids = new Map<string, number>();

  constructor(
    private readonly me: IdentityKeys,
    private readonly signaling: SignalingClient,
    private readonly rtcConfig: () => RTCConfiguration,
    private readonly handlers: TransportHandlers,
  ) {}

  isOpen(peer: PeerId): boolean {
    return this.links.get(peer)?.state === 'open';
  }

  get serverOnline(): boolean {
    return this.signaling.isOnline;
  }

  /** Starts a connection attempt unless one is open or under way. */
  connect(peer: PeerId): void {
    if (this.links.has(peer) || this.retryTimers.has(peer) || !this.signaling.isOnline) return;
    this.startLink(peer, randomId(), true);
  }

  /** Writes envelopes on the open channel. Resolves false if there is no open channel. */
  async send(peer: PeerId, envelopes: Uint8Array[]): Promise<boolean> {
    const link = this.links.get(peer);
    if (link?.state !== 'open') return false;
    try {
      for (const envelope of envelopes) await link.send(envelope);
      return true;
    } catch {
      // The channel died mid-write. Close our side so the ladder falls back to the server;
      // whatever was not acknowledged is still in the outbox.
      link.close('write failed');
      return false;
    }
  }

  /**
   * Hands one envelope to the server under `blobId`: relayed at once if the contact is online,
   * kept in its mailbox otherwise. The answer comes later as `accepted` or an error.
   */
  sendViaServer(peer: PeerId, blobId: string, envelope: Uint8Array): boolean {
    return this.signaling.isOnline && this.signaling.sendBlob(peer, blobId, toBase64Url(envelope));
  }

  /**
   * Envelopes that are not retried (receipts, profile, sync): over the channel if one is open,
   * else through the server, once. A lost receipt is answered by the sender's retry.
   */
  async sendOnce(peer: PeerId, envelopes: Uint8Array[]): Promise<void> {
    if (await this.send(peer, envelopes)) return;
    for (const envelope of envelopes) this.sendViaServer(peer, randomId(), envelope);
  }

  /** A blob the server delivered: handled like a channel frame; a mailbox copy is acknowledged
   *  only after the app has processed (committed) it, or when it can never be opened. */
  receiveFromServer(delivery: { id: string; from: PeerId; blob: string; via: 'relay' | 'mailbox' }): void {
    const bytes = fromBase64Url(delivery.blob);
    const processed = bytes
      ? this.handlers.onEnvelope(delivery.from, bytes)
      : Promise.resolve(this.handlers.onSecurityEvent({ kind: 'bad_envelope', peer: delivery.from, code: 'bad_base64' }));
    if (delivery.via !== 'mailbox') return;
    void processed.then(
      () => this.signaling.ack(delivery.id),
      (error: unknown) => console.error('delivery not stored; the server will deliver it again', error),
    );
  }

  /**
   * The device's network changed (another Wi-Fi, Wi-Fi to mobile): the paths of open connections
   * may be gone. Restart ICE on them now rather than waiting for them to time out.
   */
  networkChanged(): void {
    for (const link of this.links.values()) link.restartIce();
  }

  /**
   * Back on the server after losing it: signals sent meanwhile (a restart offer, candidates) were
   * lost, so connections still interrupted try their restart again.
   */
  serverReconnected(): void {
    for (const link of this.links.values()) if (link.state === 'interrupted') link.restartIce();
  }

  /** Closes every connection, open or being set up (e.g. privacy mode now wants relay-only ones). */
  closeAll(reason: string): void {
    for (const link of [...this.links.values()]) link.close(reason);
  }

  /** Closes the connection with `peer`, open or being set up. */
  close(peer: PeerId, reason: string): void {
    this.links.get(peer)?.close(reason);
  }

  /** The contact went offline: drop any attempt, it cannot succeed. */
  peerOffline(peer: PeerId): void {
    const link = this.links.get(peer);
    if (link?.state === 'connecting') link.close('peer went offline');
    this.clearRetry(peer);
    this.failures.delete(peer);
  }

  handleSignal(from: PeerId, data: SignalData): void {
    const previous = this.inbound.get(from) ?? Promise.resolve();
    const next = previous.then(() => this.processSignal(from, data)).catch((error: unknown) => console.error('signal', error));
    this.inbound.set(from, next);
  }

  private async processSignal(from: PeerId, data: SignalData): Promise<void> {
    const current = this.links.get(from);
    switch (data.kind) {
      case 'offer':
        return this.onOffer(from, data, current);
      case 'answer': {
        if (!current || current.sid !== data.sid || !current.awaitsAnswer) return;
        if ((await checkSignedSdp(data, from, this.me.id)) !== 'ok') {
          this.handlers.onSecurityEvent({ kind: 'bad_answer_signature', peer: from });
          current.close('answer failed verification');
          return;
        }
        return current.accept(data);
      }
      case 'candidate':
        if (current?.sid === data.sid) current.accept(data);
        return;
      case 'hangup':
        if (current?.sid === data.sid) current.hangup();
        return;
      case 'restart':
        if (current?.sid === data.sid) current.restartIce();
        return;
    }
  }

  private async onOffer(from: PeerId, offer: SignedSdp, current: PeerLink | undefined): Promise<void> {
    // Ignored without a word, before any check: a blocked contact learns nothing, and raises no alert.
    if (!(await this.handlers.acceptsChannel(from))) return;
    const restart = current?.sid === offer.sid && current.takesRestartOffer;
    if (this.seenOfferSids.has(offer.sid) && !restart) return;
    const check = await checkSignedSdp(offer, from, this.me.id);
    if (check !== 'ok') {
      this.handlers.onSecurityEvent({ kind: check === 'stale' ? 'stale_offer' : 'bad_offer_signature', peer: from });
      return;
    }
    // An ICE restart of the connection we have: same session, fresh ICE credentials. The link
    // ignores an offer no newer than the last one it applied, so a replay changes nothing.
    if (restart) return current.accept(offer);
    this.rememberOffer(offer);
    if (current?.state === 'connecting' && current.initiator) {
      // Glare: both sides offered at once. The larger ID's offer wins on both sides, so exactly
      // one of the two attempts survives without another round trip.
      if (this.me.id > from) return;
      current.close('glare: yielding to the peer offer');
    } else if (current) {
      // A fresh offer while we hold a channel means the peer lost its side (reload, crash).
      current.close('replaced by a new offer');
    }
    this.clearRetry(from);
    this.startLink(from, offer.sid, false)?.accept(offer);
  }

  /** Starts a WebRTC attempt; where WebRTC is unavailable, the failure is retried like any other. */
  private rememberOffer(offer: SignedSdp): void {
    const forgetBefore = Date.now() - 2 * SIGNAL_LIMITS.maxOfferSkewMs;
    for (const [sid, ts] of this.seenOfferSids) if (ts < forgetBefore) this.seenOfferSids.delete(sid);
    this.seenOfferSids.set(offer.sid, offer.ts);
  }

  private startLink(peer: PeerId, sid: string, initiator: boolean): PeerLink | null {
    try {
      return this.createLink(peer, sid, initiator);
    } catch (error) {
      console.warn('WebRTC unavailable', error);
      this.scheduleRetry(peer); // first, so that the status change below cannot retry at once
      this.handlers.onStatus(peer, { kind: 'none' });
      return null;
    }
  }

  private createLink(peer: PeerId, sid: string, initiator: boolean): PeerLink {
    const link = new PeerLink({
      me: this.me,
      peer,
      sid,
      initiator,
      rtcConfig: this.rtcConfig(),
      sendSignal: (data) => this.signaling.sendSignal(peer, data),
      onOpen: () => {
        console.info(`connection ${link.sid.slice(0, 8)} open`);
        this.failures.delete(peer);
        this.handlers.onStatus(peer, { kind: 'open', path: null });
        this.handlers.onOpen(peer);
        this.showPath(peer, link);
      },
      onPathChange: () => this.showPath(peer, link),
      onInterrupted: () => {
        console.info(`connection ${link.sid.slice(0, 8)} interrupted: ICE lost its path`);
        this.handlers.onStatus(peer, { kind: 'connecting' });
        this.signaling.probe(); // the network may have changed under the server's socket too
      },
      onData: (_, bytes) => void this.handlers.onEnvelope(peer, bytes).catch((error: unknown) => console.error('receive', error)),
      onClose: (_, reason) => {
        // Kept in the console: why a connection ended is the first question when one drops.
        console.info(`connection ${link.sid.slice(0, 8)} closed: ${reason}`);
        if (this.links.get(peer) !== link) return;
        this.links.delete(peer);
        this.handlers.onStatus(peer, { kind: 'none' });
        if (reason !== 'peer went offline') this.scheduleRetry(peer);
      },
    });
    this.links.set(peer, link);
    this.handlers.onStatus(peer, { kind: 'connecting' });
    return link;
  }

  /** Reads the link's selected candidate pair and reports it, if the link is still current. */
  private showPath(peer: PeerId, link: PeerLink): void {
    void link.path().then((path) => {
      if (this.links.get(peer) === link && link.state === 'open') this.handlers.onStatus(peer, { kind: 'open', path });
    });
  }

  /** After a failed or dropped link, try again later; the owner decides whether it is needed. */
  private scheduleRetry(peer: PeerId): void {
    const attempt = this.failures.get(peer) ?? 0;
    this.failures.set(peer, attempt + 1);
    this.clearRetry(peer);
    const delay = backoffDelay(attempt, CLIENT_TIMING.reconnectBaseMs, CLIENT_TIMING.reconnectMaxMs);
    this.retryTimers.set(
      peer,
      setTimeout(() => {
        this.retryTimers.delete(peer);
        this.handlers.onStatus(peer, { kind: 'none' });
      }, delay),
    );
  }

  private clearRetry(peer: PeerId): void {
    clearTimeout(this.retryTimers.get(peer));
    this.retryTimers.delete(peer);
  }
}
