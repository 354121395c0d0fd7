import SimplePeer, { type SimplePeerSignal } from '@thaunknown/simple-peer/lite.js';
import { signSdp } from '../crypto/signed-sdp.ts';
import type { IdentityKeys } from '../crypto/identity.ts';
import type { PeerId } from '../protocol/ids.ts';
import { CLIENT_TIMING } from '../protocol/limits.ts';
import type { SignalCandidate, SignalData, SignedSdp } from '../protocol/signal-data.ts';
import { iceUfrag } from './ice-credentials.ts';
import { readSelectedPath, type PathReport } from './path.ts';

// One WebRTC attempt with one contact: a simple-peer data channel identified by a session ID
// (sid) that every signal of the attempt carries. Offers and answers leave here signed; incoming
// ones must have been verified by the caller before accept() sees them.
//
// A connection that loses its path (the phone changed networks, a NAT forgot the mapping) is
// "interrupted": messages go by the server meanwhile, and the initiator restarts ICE on the same
// connection, which keeps the DTLS session and the channel. If that does not bring it back in
// time, the link closes and the transport starts a new one later.

export type LinkState = 'connecting' | 'open' | 'interrupted' | 'closed';

export interface PeerLinkOptions {
  me: IdentityKeys;
  peer: PeerId;
  sid: string;
  initiator: boolean;
  rtcConfig: RTCConfiguration;
  sendSignal(data: SignalData): void;
  /** The channel opened, or came back after an interruption (the path may have changed). */
  onOpen(link: PeerLink): void;
  /** ICE moved the open connection to another candidate pair. */
  onPathChange(link: PeerLink): void;
  /** ICE lost the path; the channel cannot carry anything until it is back. */
  onInterrupted(link: PeerLink): void;
  onData(link: PeerLink, bytes: Uint8Array): void;
  onClose(link: PeerLink, reason: string): void;
}

export class PeerLink {
  readonly peer: PeerId;
  readonly sid: string;
  readonly initiator: boolean;
  state: LinkState = 'connecting';
  private readonly sp: SimplePeer;
  /** Outgoing signals in order: an offer must not be overtaken by its candidates while signing. */
  private outgoing: Promise<void> = Promise.resolve();
  /** Bounds the first attempt, then each interruption: a link never hangs between states. */
  private deadline: ReturnType<typeof setTimeout>;
  /** The grace period of an interruption before an ICE restart. */
  private graceTimer: ReturnType<typeof setTimeout> | undefined;
  /** Set while an ICE restart offer awaits its answer; bounded like a first attempt. */
  private restartDeadline: ReturnType<typeof setTimeout> | undefined;
  /** Time of the newest SDP accepted from the peer: an older one replayed is ignored. */
  private lastRemoteSdpTs = -1;
  /** ICE credentials of the peer's SDP last applied: a copy of it must not be applied again. */
  private remoteUfrag: string | null = null;
  private readonly onFinish: (() => void)[] = [];

  constructor(private readonly options: PeerLinkOptions) {
    this.peer = options.peer;
    this.sid = options.sid;
    this.initiator = options.initiator;
    this.sp = new SimplePeer({
      initiator: options.initiator,
      trickle: true, // waiting for full gathering would stall every connection by seconds
      config: options.rtcConfig,
      channelName: 'tincan',
    });
    this.sp.on('signal', (data) => this.queueSignal(data));
    this.sp.on('connect', () => {
      clearTimeout(this.deadline);
      this.state = 'open';
      options.onOpen(this);
      // ICE may move to another candidate pair without any state change (a better pair became
      // usable after a restart, say): the path shown must follow it.
      this.sp._pc?.sctp?.transport.iceTransport.addEventListener('selectedcandidatepairchange', () => {
        if (this.state === 'open') options.onPathChange(this);
      });
    });
    this.sp.on('iceStateChange', (ice) => this.onIceState(ice));
    this.sp.on('negotiated', () => {
      clearTimeout(this.restartDeadline);
      this.restartDeadline = undefined;
    });
    this.sp.on('data', (bytes) => options.onData(this, bytes));
    this.sp.on('close', () => this.finish('closed by peer', false));
    this.sp.on('error', (error) => this.finish(error.code ?? error.message, true));
    this.deadline = setTimeout(() => {
      if (this.state === 'connecting') this.close('ICE attempt timed out');
    }, CLIENT_TIMING.iceAttemptMs);
  }

  /** Whether an answer from the peer is due: to our first offer, or to an ICE restart offer. */
  get awaitsAnswer(): boolean {
    return this.initiator && (this.state === 'connecting' || this.restartDeadline !== undefined);
  }

  /** Whether an offer on this session would be an ICE restart we should answer. */
  get takesRestartOffer(): boolean {
    return !this.initiator && (this.state === 'open' || this.state === 'interrupted');
  }

  /** Feeds a verified SDP or a candidate of this session into the connection. */
  accept(data: SignedSdp | SignalCandidate): void {
    if (this.state === 'closed') return;
    if (data.kind === 'candidate') {
      this.sp.signal({ candidate: { candidate: data.candidate, sdpMid: data.sdpMid, sdpMLineIndex: data.sdpMLineIndex } });
      return;
    }
    if (data.ts <= this.lastRemoteSdpTs) return; // a replay of an SDP already applied
    this.lastRemoteSdpTs = data.ts;
    const ufrag = iceUfrag(data.sdp);
    if (ufrag !== null && ufrag === this.remoteUfrag) {
      // The peer sent its description again, freshly signed, because ours may have been lost.
      // Applying it twice would break the connection (an answer in the stable state, or two
      // answers to one offer): send our answer again instead, once it exists.
      if (data.kind === 'offer') this.resendAnswer();
      return;
    }
    this.remoteUfrag = ufrag;
    this.sp.signal({ type: data.kind, sdp: data.sdp });
  }

  /**
   * Restarts ICE on this connection: for a network change the browser reported, an interruption
   * that did not heal by itself, or the peer's request. Only the initiator makes offers, so the
   * other side asks it to. If a restart offer is already out, it goes again with a fresh
   * signature and every candidate gathered since: the first copy may have been lost with the
   * network that just went away.
   */
  restartIce(): void {
    const pc = this.sp._pc;
    if (!pc || (this.state !== 'open' && this.state !== 'interrupted')) return;
    if (!this.initiator) {
      this.options.sendSignal({ kind: 'restart', sid: this.sid });
      return;
    }
    // The restart offer is still being made (the deadline is set before it): it goes out by
    // itself. Asking for another negotiation now would follow it with a second, plain offer.
    if (this.restartDeadline !== undefined && pc.signalingState === 'stable') return;
    const pending = pc.signalingState === 'have-local-offer' ? pc.localDescription : null;
    clearTimeout(this.restartDeadline);
    this.restartDeadline = setTimeout(() => this.close('ICE restart was not answered'), CLIENT_TIMING.iceAttemptMs);
    if (pending) {
      this.queueSignal({ type: 'offer', sdp: pending.sdp });
      return;
    }
    console.info(`connection ${this.sid.slice(0, 8)}: restarting ICE`);
    pc.restartIce(); // the next offer carries fresh ICE credentials
    this.sp.negotiate();
  }

  /**
   * Writes one frame, waiting while the channel's send buffer is full. Rejects if the link is or
   * becomes closed, so a dead channel can never leave a sender waiting for a drain.
   */
  async send(bytes: Uint8Array): Promise<void> {
    if (this.state !== 'open') throw new Error('link is not open');
    if (this.sp.write(bytes)) return;
    await new Promise<void>((resolve, reject) => {
      this.sp.once('drain', resolve);
      this.onFinish.push(() => reject(new Error('link closed')));
    });
  }

  /** The path the connection uses right now, from getStats. */
  async path(): Promise<PathReport | null> {
    const pc = this.sp._pc;
    return pc && this.state === 'open' ? readSelectedPath(pc) : null;
  }

  private onIceState(ice: RTCIceConnectionState): void {
    if (ice === 'disconnected' && this.state === 'open') {
      this.state = 'interrupted';
      this.options.onInterrupted(this);
      clearTimeout(this.graceTimer);
      this.graceTimer = setTimeout(() => {
        if (this.state === 'interrupted') this.restartIce();
      }, CLIENT_TIMING.iceDisconnectGraceMs);
      clearTimeout(this.deadline);
      this.deadline = setTimeout(() => {
        if (this.state === 'interrupted') this.close('connection lost and ICE restart did not recover it');
      }, CLIENT_TIMING.iceDisconnectGraceMs + CLIENT_TIMING.iceAttemptMs);
    } else if ((ice === 'connected' || ice === 'completed') && this.state === 'interrupted') {
      // Back, on the old pair or (after a restart) a new one: like opening again.
      clearTimeout(this.graceTimer);
      clearTimeout(this.deadline);
      this.state = 'open';
      this.options.onOpen(this);
    } else if ((ice === 'connected' || ice === 'completed') && this.state === 'open') {
      this.options.onPathChange(this); // e.g. a restart of a working connection after a network change
    }
  }

  /** Our answer to the peer's current offer goes again; if it is still being made, it goes by itself. */
  private resendAnswer(): void {
    const answer = this.sp._pc?.localDescription;
    if (this.sp._pc?.signalingState === 'stable' && answer?.type === 'answer') this.queueSignal({ type: 'answer', sdp: answer.sdp });
  }

  /** Ends the attempt and tells the peer, so it drops its side now rather than at a timeout. */
  close(reason: string): void {
    if (this.state === 'closed') return;
    this.options.sendSignal({ kind: 'hangup', sid: this.sid });
    this.finish(reason, true);
  }

  /** Ends the attempt because the peer hung up (no hangup is sent back). */
  hangup(): void {
    this.finish('peer hung up', true);
  }

  private finish(reason: string, destroy: boolean): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.deadline);
    clearTimeout(this.graceTimer);
    clearTimeout(this.restartDeadline);
    if (destroy) this.sp.destroy();
    for (const callback of this.onFinish.splice(0)) callback();
    this.options.onClose(this, reason);
  }

  private queueSignal(data: SimplePeerSignal): void {
    this.outgoing = this.outgoing.then(async () => {
      if (this.state === 'closed') return;
      const signal = await this.toSignalData(data);
      if (signal) this.options.sendSignal(signal);
    });
  }

  private async toSignalData(data: SimplePeerSignal): Promise<SignalData | null> {
    if ((data.type === 'offer' || data.type === 'answer') && data.sdp) {
      return signSdp(this.options.me, this.peer, { kind: data.type, sid: this.sid, sdp: data.sdp });
    }
    if (data.candidate) {
      const { candidate, sdpMid, sdpMLineIndex } = data.candidate;
      return { kind: 'candidate', sid: this.sid, candidate, sdpMid: sdpMid ?? null, sdpMLineIndex: sdpMLineIndex ?? null };
    }
    return null; // renegotiation requests: a data-channel-only link never renegotiates
  }
}
