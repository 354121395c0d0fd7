import SimplePeer, { type SimplePeerSignal } from '@thaunknown/simple-peer/lite.js';
import { signSdp } from '../crypto/signed-sdp.ts';
import type { IdentityKeys } from '../crypto/identity.ts';
import type { PeerId } from '../protocol/ids.ts';
import { CLIENT_TIMING } from '../protocol/limits.ts';
import type { SignalCandidate, SignalData, SignedSdp } from '../protocol/signal-data.ts';
import { readSelectedPath, type PathReport } from './path.ts';

// One WebRTC attempt with one contact: a simple-peer data channel identified by a session ID
// (sid) that every signal of the attempt carries. Offers and answers leave here signed; incoming
// ones must have been verified by the caller before accept() sees them.

export type LinkState = 'connecting' | 'open' | 'closed';

export interface PeerLinkOptions {
  me: IdentityKeys;
  peer: PeerId;
  sid: string;
  initiator: boolean;
  rtcConfig: RTCConfiguration;
  sendSignal(data: SignalData): void;
  onOpen(link: PeerLink): void;
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
  private readonly attemptTimer: ReturnType<typeof setTimeout>;
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
      clearTimeout(this.attemptTimer);
      this.state = 'open';
      options.onOpen(this);
    });
    this.sp.on('data', (bytes) => options.onData(this, bytes));
    this.sp.on('close', () => this.finish('closed by peer', false));
    this.sp.on('error', (error) => this.finish(error.code ?? error.message, true));
    this.attemptTimer = setTimeout(() => {
      if (this.state === 'connecting') this.close('ICE attempt timed out');
    }, CLIENT_TIMING.iceAttemptMs);
  }

  /** Feeds a verified SDP or a candidate of this session into the connection. */
  accept(data: SignedSdp | SignalCandidate): void {
    if (this.state === 'closed') return;
    if (data.kind === 'candidate') {
      this.sp.signal({ candidate: { candidate: data.candidate, sdpMid: data.sdpMid, sdpMLineIndex: data.sdpMLineIndex } });
    } else {
      this.sp.signal({ type: data.kind, sdp: data.sdp });
    }
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
    clearTimeout(this.attemptTimer);
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
