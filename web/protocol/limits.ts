// Every resource limit of the protocol, with its default. The server takes overrides for the
// server-side ones (signal-server/config.ts); clients use the same numbers to refuse oversized
// input before it is sent.

export const SERVER_LIMITS = {
  /** Largest WebSocket message the server accepts, in bytes. Larger ones close the socket (1009). */
  maxFrameBytes: 256 * 1024,
  /** How long a new socket may take to answer the challenge before it is closed (4408). */
  authDeadlineMs: 10_000,
  /** Sustained frames per second allowed on one connection (token bucket refill rate). */
  ratePerSecond: 200,
  /** Burst of frames one connection may send at once (token bucket size). */
  rateBurst: 400,
  /** A connection that keeps sending while rate limited this many times in a row is closed (4429). */
  rateViolationsBeforeClose: 100,
  /** Interval of the server's WebSocket ping; a socket that missed the previous pong is dropped. */
  heartbeatIntervalMs: 30_000,
  /** Most peer IDs one connection may watch for presence at a time. */
  maxWatchedIds: 2_000,
  /** Largest end-to-end blob in a `send` frame, in bytes (after base64url decoding). */
  maxBlobBytes: 64 * 1024,
  /** Sustained `send` frames per second per sender ID, across its reconnects. */
  sendRatePerSecond: 100,
  /** Burst of `send` frames one sender ID may make at once. */
  sendRateBurst: 500,
  /** Most blobs the mailbox holds for one recipient; more are refused with `quota_exceeded`. */
  mailboxMaxCount: 10_000,
  /** Most bytes of blobs the mailbox holds for one recipient. */
  mailboxMaxBytes: 50 * 1024 * 1024,
  /** How long the mailbox keeps an unacknowledged blob before the sweeper deletes it. */
  mailboxTtlMs: 30 * 24 * 60 * 60 * 1000,
  /** How often the sweeper deletes expired blobs. */
  sweepIntervalMs: 60 * 60 * 1000,
  /** Mailbox deliveries sent to a recipient and not yet acknowledged, at most (backpressure). */
  deliveryWindow: 64,
  /**
   * Most one-time prekeys the server holds for one identity. A `prekeys` frame that would take it
   * over stores nothing at all (`prekey_limit`), so a client never has to guess what was kept.
   */
  maxOneTimePrekeys: 200,
  /** Most one-time prekeys in one `prekeys` frame (a client publishes a batch of 100). */
  maxOneTimePrekeysPerFrame: 100,
  /**
   * An identity holding fewer one-time prekeys than this (or no signed prekey) is sent
   * `prekeys_low` after `ready` and after each bundle fetch, so it publishes more.
   */
  prekeysLowThreshold: 20,
  /**
   * Sustained `bundle` fetches per minute per requester ID, across its reconnects: each fetch
   * uses up one of the peer's one-time prekeys, so one client must not be able to drain them.
   */
  bundleRatePerMinute: 10,
  /** Burst of `bundle` fetches one requester ID may make at once (e.g. opening many contacts). */
  bundleRateBurst: 20,
} as const;

export type ServerLimits = { -readonly [K in keyof typeof SERVER_LIMITS]: number };

export const SIGNAL_LIMITS = {
  /** Largest SDP offer or answer, in characters. A data-channel-only SDP is about 1-2 KB. */
  maxSdpLength: 32 * 1024,
  /** Largest ICE candidate line, in characters. */
  maxCandidateLength: 1024,
  /** Largest sdpMid value, in characters. */
  maxSdpMidLength: 64,
  /** How far a signed offer's timestamp may be from the receiver's clock before it is refused. */
  maxOfferSkewMs: 5 * 60_000,
} as const;

export const MESSAGE_LIMITS = {
  /** Longest message text, in characters (UTF-16 code units, as the textarea counts). */
  maxTextLength: 16_000,
  /** Longest display name, in characters. */
  maxNameLength: 64,
  /** Most message IDs one receipt frame may acknowledge. */
  maxReceiptIds: 500,
  /** Largest encrypted envelope on the data channel, in bytes. */
  maxEnvelopeBytes: 64 * 1024,
} as const;

export const CLIENT_TIMING = {
  /** Interval of the client's application-level ping; browsers cannot see WebSocket pings. */
  pingIntervalMs: 20_000,
  /** A ping unanswered for this long means the socket is dead (e.g. a phone changed networks). */
  pingTimeoutMs: 10_000,
  /**
   * A ping sent because something suggests the network changed (a data channel lost its path):
   * without a pong by then, the socket is dead and is replaced at once.
   */
  probeTimeoutMs: 3_000,
  /** First reconnect delay; it doubles up to the maximum, with jitter. */
  reconnectBaseMs: 500,
  reconnectMaxMs: 30_000,
  /** A WebRTC attempt that has not opened a channel by then is abandoned and retried later. */
  iceAttemptMs: 15_000,
  /**
   * An open connection whose ICE reports "disconnected" for this long (a network change, a NAT
   * mapping lost) gets an ICE restart; a brief blip recovers on its own first.
   */
  iceDisconnectGraceMs: 2_000,
  /** First retry of an undelivered message; it doubles up to the maximum, with jitter. */
  retryBaseMs: 2_000,
  retryMaxMs: 5 * 60_000,
  /** `send` frames awaiting `accepted` at once, per contact (keeps under the server's rate). */
  sendWindow: 32,
  /** While the user types, at most one typing frame per contact in this long. */
  typingIntervalMs: 3_000,
  /**
   * How long "is typing…" stays up after the contact's last typing frame: longer than the
   * interval above, so that it does not flicker while they keep typing.
   */
  typingShownMs: 5_000,
} as const;
