// The parts of @thaunknown/simple-peer (lite build) that Tincan uses; the package ships no types.
declare module '@thaunknown/simple-peer/lite.js' {
  export interface SimplePeerSignal {
    type?: 'offer' | 'answer' | 'candidate' | 'renegotiate' | 'transceiverRequest';
    sdp?: string;
    candidate?: { candidate: string; sdpMLineIndex: number | null; sdpMid: string | null };
  }
  export interface SimplePeerOptions {
    initiator?: boolean;
    trickle?: boolean;
    config?: RTCConfiguration;
    channelName?: string;
    channelConfig?: RTCDataChannelInit;
  }
  export default class SimplePeer {
    constructor(options?: SimplePeerOptions);
    readonly connected: boolean;
    readonly destroyed: boolean;
    _pc: RTCPeerConnection | null;
    signal(data: SimplePeerSignal): void;
    write(chunk: Uint8Array): boolean;
    destroy(error?: Error): void;
    /** As initiator: a new offer now (after RTCPeerConnection.restartIce(), an ICE restart). */
    negotiate(): void;
    on(event: 'signal', listener: (data: SimplePeerSignal) => void): this;
    on(event: 'connect' | 'close' | 'drain' | 'negotiated', listener: () => void): this;
    on(event: 'iceStateChange', listener: (ice: RTCIceConnectionState, gathering: RTCIceGatheringState) => void): this;
    on(event: 'data', listener: (data: Uint8Array) => void): this;
    on(event: 'error', listener: (error: Error & { code?: string }) => void): this;
    once(event: 'drain', listener: () => void): this;
  }
}
