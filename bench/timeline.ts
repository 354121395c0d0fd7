import type { Page } from 'playwright-core';

// Where the time of a first message goes. An in-page recorder (installed before the app loads,
// or evaluated into a bare page) stamps, with the page's Date.now(), the WebRTC and signaling
// events both the app and the baseline go through; phases() turns two pages' stamps into the
// steps of one connection. Observation only: the app is not changed.

/** [event, Date.now(), size in bytes for data channel frames] */
export type TimelineEvent = [name: string, at: number, size?: number];

interface TimelineWindow {
  __timeline: TimelineEvent[];
  __timelineOff?: boolean;
}

/** Runs in the page. Signal kinds are read from `{t:'signal', data:{kind}}` (Tincan) or `{type}` (baseline). */
export function installTimeline(): void {
  const w = window as unknown as TimelineWindow;
  const events: TimelineEvent[] = [];
  w.__timeline = events;
  const mark = (name: string, size?: number): void => {
    if (!w.__timelineOff) events.push(size === undefined ? [name, Date.now()] : [name, Date.now(), size]);
  };
  const sizeOf = (data: unknown): number =>
    typeof data === 'string' ? data.length : data instanceof Blob ? data.size : (data as ArrayBufferLike | ArrayBufferView).byteLength;
  const signalKind = (data: unknown): string | null => {
    if (typeof data !== 'string' || (!data.includes('"signal"') && !data.includes('"type"'))) return null;
    try {
      const frame = JSON.parse(data) as { t?: string; type?: string; data?: { kind?: string } };
      return frame.t === 'signal' ? (frame.data?.kind ?? null) : (frame.type ?? null);
    } catch {
      return null;
    }
  };
  const watchChannel = (dc: RTCDataChannel): void => {
    dc.addEventListener('open', () => mark('dc-open'));
    dc.addEventListener('message', (e: MessageEvent) => mark('dc-recv', sizeOf(e.data)));
  };

  const PeerConnection = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends PeerConnection {
    constructor(config?: RTCConfiguration) {
      super(config);
      mark('pc');
      this.addEventListener('iceconnectionstatechange', () => mark(`ice-${this.iceConnectionState}`));
      this.addEventListener('datachannel', (e) => watchChannel(e.channel));
    }
    override createDataChannel(label: string, init?: RTCDataChannelInit): RTCDataChannel {
      const dc = super.createDataChannel(label, init);
      watchChannel(dc);
      return dc;
    }
  } as typeof RTCPeerConnection;
  const channelSend = RTCDataChannel.prototype.send as (this: RTCDataChannel, data: unknown) => void;
  RTCDataChannel.prototype.send = function (this: RTCDataChannel, data: unknown) {
    mark('dc-send', sizeOf(data));
    channelSend.call(this, data);
  } as RTCDataChannel['send'];

  const socketSend = WebSocket.prototype.send;
  WebSocket.prototype.send = function (this: WebSocket, data: string | ArrayBufferLike | Blob | ArrayBufferView) {
    const kind = signalKind(data);
    if (kind) mark(`ws-send-${kind}`);
    socketSend.call(this, data);
  };
  const Socket = window.WebSocket;
  window.WebSocket = class extends Socket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      // Registered before the app's onmessage, so the stamp precedes the app's handling.
      this.addEventListener('message', (e: MessageEvent) => {
        const kind = signalKind(e.data);
        if (kind) mark(`ws-recv-${kind}`);
      });
    }
  };

  document.addEventListener('click', () => mark('click'), true);
  document.addEventListener('keydown', (e) => e.key === 'Enter' && mark('enter'), true);
}

export const readTimeline = (page: Page): Promise<TimelineEvent[]> =>
  page.evaluate(() => (window as unknown as TimelineWindow).__timeline ?? []);

export const clearTimeline = (page: Page): Promise<void> =>
  page.evaluate(() => {
    (window as unknown as TimelineWindow).__timeline.length = 0;
  });

export const setTimelineRecording = (page: Page, on: boolean): Promise<void> =>
  page.evaluate((off) => {
    (window as unknown as TimelineWindow).__timelineOff = off;
  }, !on);

/** One first-message run as both pages saw it. */
export interface RunTrace {
  t0: number;
  received: number;
  sender: TimelineEvent[];
  receiver: TimelineEvent[];
  /** Which data channel frame (by size) is the message, not a profile or receipt frame. */
  isMessage(size: number): boolean;
}

const first = (events: TimelineEvent[], name: string, test: (e: TimelineEvent) => boolean = () => true): number | null =>
  events.find((e) => e[0] === name && test(e))?.[1] ?? null;

/** The critical path of a first message, in order; each step ends where the next begins. */
export const PHASES = [
  'driver → RTCPeerConnection created',
  'offer created (+ signed) and sent',
  'offer through the server',
  'offer handled → answer sent',
  'answer through the server',
  'answer handled → ICE connected',
  'ICE connected → channel open',
  'channel open → message written',
  'message on the wire',
  'message received → shown/recorded',
] as const;

/** Milliseconds per phase (null where an event is missing), plus when the sender's page saw the click and Enter, after t0. */
export function phases(trace: RunTrace): { steps: (number | null)[]; click: number | null; enter: number | null; channelOpen: number | null } {
  const { sender: a, receiver: b } = trace;
  const isMessage = (e: TimelineEvent) => e[2] !== undefined && trace.isMessage(e[2]);
  const points = [
    trace.t0,
    first(a, 'pc'),
    first(a, 'ws-send-offer'),
    first(b, 'ws-recv-offer'),
    first(b, 'ws-send-answer'),
    first(a, 'ws-recv-answer'),
    first(a, 'ice-connected'),
    first(a, 'dc-open'),
    first(a, 'dc-send', isMessage),
    first(b, 'dc-recv', isMessage),
    trace.received,
  ];
  // The message went by the server relay (the channel carried only later frames): no channel steps.
  const written = points[8];
  if (written !== null && written !== undefined && written > trace.received) points.splice(8, 2, null, null);
  const steps = PHASES.map((_, i) => {
    const [from, to] = [points[i], points[i + 1]];
    return from === null || from === undefined || to === null || to === undefined ? null : to - from;
  });
  const sinceT0 = (at: number | null) => (at === null ? null : at - trace.t0);
  return { steps, click: sinceT0(first(a, 'click')), enter: sinceT0(first(a, 'enter')), channelOpen: sinceT0(first(a, 'dc-open')) };
}
