// Stable error codes. The server sends them in `error` frames and clients switch on them; the
// text beside each code is for people and may change, the code may not.

export const ERROR_CODES = {
  bad_json: 'The frame is not valid JSON.',
  bad_frame: 'The frame does not match the protocol.',
  unknown_type: 'The frame type is unknown.',
  not_authenticated: 'Authenticate before sending anything else.',
  auth_failed: 'The authentication signature did not verify.',
  already_authenticated: 'This connection is already authenticated.',
  rate_limited: 'Too many frames; slow down.',
  peer_offline: 'The peer is not connected.',
  bad_target: 'A frame cannot be addressed to yourself.',
  too_many_watched: 'Too many peer IDs watched at once.',
  blob_too_large: 'The blob is larger than the server accepts.',
  quota_exceeded: "The recipient's mailbox is full.",
  unknown_message: 'No such message is waiting for you.',
  server_error: 'The server could not store the message; try again.',
  prekey_limit: 'Too many one-time prekeys; nothing from this frame was stored.',
  no_prekeys: 'This peer has published no prekeys.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export const isErrorCode = (value: unknown): value is ErrorCode =>
  typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);

/** WebSocket close codes used by the server (4000-4999 is the application range). */
export const CLOSE_CODES = {
  /** Server shutting down (standard). */
  goingAway: 1001,
  /** Frame over maxFrameBytes (standard; sent by ws itself). */
  tooBig: 1009,
  /** The server failed while handling this connection (standard); reconnecting is fine. */
  internalError: 1011,
  /** A frame before authentication that was not `auth`, or an unparseable one. */
  protocolViolation: 4400,
  /** The authentication signature did not verify. */
  authFailed: 4401,
  /** The challenge was not answered within authDeadlineMs. */
  authTimeout: 4408,
  /** The same ID authenticated on a newer connection; this one is replaced. */
  replaced: 4409,
  /** The connection kept sending while rate limited. */
  rateLimited: 4429,
} as const;
