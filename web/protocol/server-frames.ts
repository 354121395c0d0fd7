import * as v from 'valibot';
import { isPeerId, isRandomId, isSignature, type PeerId } from './ids.ts';
import { SignalDataSchema, type SignalData } from './signal-data.ts';
import { ERROR_CODES, isErrorCode, type ErrorCode } from './errors.ts';
import { SERVER_LIMITS } from './limits.ts';

// The JSON frames between a client and the signaling server, one parser per direction. The
// protocol version is negotiated as the WebSocket subprotocol and repeated in the challenge.

export const PROTOCOL_VERSION = 1;
export const WS_SUBPROTOCOL = `tincan.v${PROTOCOL_VERSION}`;
export const WS_PATH = '/ws';

const PeerIdSchema = v.custom<PeerId>(isPeerId, 'must be a peer ID (43 base64url characters)');
const Nonce = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{43}$/));
const Counter = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(Number.MAX_SAFE_INTEGER));
const BlobId = v.custom<string>(isRandomId, 'id must be a 128-bit base64url ID');
/** base64url of the envelope; its decoded size is checked against maxBlobBytes by the server. */
const Blob = v.pipe(v.string(), v.minLength(1), v.regex(/^[A-Za-z0-9_-]+$/), v.maxLength(Math.ceil((SERVER_LIMITS.maxBlobBytes * 4) / 3) + 4));
const Timestamp = v.pipe(v.number(), v.integer(), v.minValue(0));

// ---- prekeys (X3DH), in both directions --------------------------------------------------------
// The server stores and hands out what owners publish but cannot check it: clients verify the
// signature against the owner's identity key. It only checks shapes and sizes.

/** The owner's unsigned 32-bit counter, which names the private key an initial message used. */
const PrekeyId = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(0xffff_ffff));
/** An X25519 public key: 32 bytes, so it has a peer ID's canonical 43-character spelling. */
const PrekeyKey = v.custom<string>(isPeerId, 'key must be a 32-byte key (43 base64url characters)');
const SignedPrekeySchema = v.object({
  id: PrekeyId,
  key: PrekeyKey,
  /** When the owner made it (ms); signed with the key, so it travels with it. */
  createdAt: Counter,
  /** Ed25519 by the owner's identity key over the prekey (web/protocol/transcripts.ts). */
  sig: v.custom<string>(isSignature, 'sig must be an Ed25519 signature (86 base64url characters)'),
});
const OneTimePrekeySchema = v.object({ id: PrekeyId, key: PrekeyKey });
export type PublishedSignedPrekey = v.InferOutput<typeof SignedPrekeySchema>;
export type PublishedOneTimePrekey = v.InferOutput<typeof OneTimePrekeySchema>;

// ---- client → server ----------------------------------------------------------------------

const AuthFrame = v.object({
  t: v.literal('auth'),
  v: v.literal(PROTOCOL_VERSION),
  id: PeerIdSchema,
  sig: v.custom<string>(isSignature, 'sig must be an Ed25519 signature'),
});
/** Replaces the set of peer IDs whose presence this connection wants to hear about. */
const WatchFrame = v.object({
  t: v.literal('watch'),
  ids: v.pipe(v.array(PeerIdSchema), v.maxLength(SERVER_LIMITS.maxWatchedIds)),
});
const SignalFrame = v.object({ t: v.literal('signal'), to: PeerIdSchema, data: SignalDataSchema });
const PingFrame = v.object({ t: v.literal('ping'), n: Counter });
/**
 * An end-to-end blob for `to`: forwarded at once if `to` is online, else kept in the mailbox.
 * `id` is the sender's random ID for this blob: the server keeps one copy per (recipient, id),
 * so resending after a crash or a lost `accepted` never stores a duplicate.
 */
const SendFrame = v.object({ t: v.literal('send'), to: PeerIdSchema, id: BlobId, blob: Blob });
/** The recipient has durably stored a mailbox delivery: the server deletes it now. */
const AckFrame = v.object({ t: v.literal('ack'), id: BlobId });

/** Asks for fresh ICE servers (TURN credentials expire); answered with an `ice` frame. */
const IceRequestFrame = v.object({ t: v.literal('ice') });

/**
 * Publishes this identity's prekeys. `signed` replaces the stored signed prekey (rotation);
 * `oneTime` are added to the stored ones, skipping IDs already held. With `replace`, the
 * one-time prekeys stored before are deleted first: a device publishing for the first time (a new
 * install, or an identity restored from a backup) cannot answer the ones another device made.
 * Answered with `prekeys_stored` once committed, or `prekey_limit` with nothing stored.
 */
const PrekeysFrame = v.object({
  t: v.literal('prekeys'),
  signed: SignedPrekeySchema,
  oneTime: v.pipe(v.array(OneTimePrekeySchema), v.maxLength(SERVER_LIMITS.maxOneTimePrekeysPerFrame)),
  replace: v.optional(v.boolean()),
});
/** Asks for `peer`'s prekey bundle, to start a session while `peer` may be offline. */
const BundleRequestFrame = v.object({ t: v.literal('bundle'), peer: PeerIdSchema });

const ClientFrameSchema = v.variant('t', [
  AuthFrame,
  WatchFrame,
  SignalFrame,
  PingFrame,
  SendFrame,
  AckFrame,
  IceRequestFrame,
  PrekeysFrame,
  BundleRequestFrame,
]);
export type ClientFrame = v.InferOutput<typeof ClientFrameSchema>;
const CLIENT_TYPES = new Set(['auth', 'watch', 'signal', 'ping', 'send', 'ack', 'ice', 'prekeys', 'bundle']);

// ---- server → client ----------------------------------------------------------------------

const ChallengeFrame = v.object({ t: v.literal('challenge'), v: v.number(), nonce: Nonce });
const ReadyFrame = v.object({ t: v.literal('ready'), id: PeerIdSchema });
const IceUrl = v.pipe(v.string(), v.regex(/^(stun|stuns|turn|turns):/), v.maxLength(512));
const IceServerSchema = v.object({
  urls: v.pipe(v.array(IceUrl), v.minLength(1), v.maxLength(16)),
  username: v.optional(v.pipe(v.string(), v.maxLength(256))),
  credential: v.optional(v.pipe(v.string(), v.maxLength(256))),
});
export type IceServer = v.InferOutput<typeof IceServerSchema>;
/**
 * The STUN/TURN servers to use, sent after `ready` and on request. TURN credentials are
 * time-limited (coturn's REST scheme); `expiresAt` says when to ask again.
 */
const IceFrame = v.object({
  t: v.literal('ice'),
  servers: v.pipe(v.array(IceServerSchema), v.maxLength(16)),
  expiresAt: v.optional(Timestamp),
});
const PresenceFrame = v.object({
  t: v.literal('presence'),
  peers: v.array(v.object({ id: PeerIdSchema, online: v.boolean() })),
});
const DeliverSignalFrame = v.object({ t: v.literal('signal'), from: PeerIdSchema, data: SignalDataSchema });
const PongFrame = v.object({ t: v.literal('pong'), n: Counter });
/**
 * A `send` was forwarded to the online recipient ('relay') or durably committed to the mailbox
 * ('mailbox', kept until `expiresAt` unless acknowledged).
 */
const AcceptedFrame = v.object({
  t: v.literal('accepted'),
  id: BlobId,
  via: v.picklist(['relay', 'mailbox']),
  expiresAt: v.optional(Timestamp),
});
/** A blob for this client. Mailbox deliveries must be acknowledged with `ack` once stored. */
const DeliverFrame = v.object({
  t: v.literal('deliver'),
  id: BlobId,
  from: PeerIdSchema,
  blob: Blob,
  via: v.picklist(['relay', 'mailbox']),
  /** When the server accepted it. */
  ts: Timestamp,
});
/** A `prekeys` frame was committed; `count` one-time prekeys are now held for this identity. */
const PrekeysStoredFrame = v.object({ t: v.literal('prekeys_stored'), count: Counter });
/**
 * This identity holds fewer than prekeysLowThreshold one-time prekeys, or no signed prekey:
 * publish more. Sent after `ready` and after someone fetched its bundle.
 */
const PrekeysLowFrame = v.object({ t: v.literal('prekeys_low'), count: Counter });
/**
 * `peer`'s signed prekey and, while any are left, one of its one-time prekeys, which the server
 * deleted as it handed it out: no one else ever gets the same one.
 */
const BundleFrame = v.object({
  t: v.literal('bundle'),
  peer: PeerIdSchema,
  signed: SignedPrekeySchema,
  oneTime: v.optional(OneTimePrekeySchema),
});
const ErrorFrame = v.object({
  t: v.literal('error'),
  code: v.custom<ErrorCode>(isErrorCode, 'unknown error code'),
  message: v.string(),
  ref: v.optional(v.string()),
});

const ServerFrameSchema = v.variant('t', [
  ChallengeFrame,
  ReadyFrame,
  IceFrame,
  PresenceFrame,
  DeliverSignalFrame,
  PongFrame,
  AcceptedFrame,
  DeliverFrame,
  PrekeysStoredFrame,
  PrekeysLowFrame,
  BundleFrame,
  ErrorFrame,
]);
export type ServerFrame = v.InferOutput<typeof ServerFrameSchema>;
const SERVER_TYPES = new Set([
  'challenge',
  'ready',
  'ice',
  'presence',
  'signal',
  'pong',
  'accepted',
  'deliver',
  'prekeys_stored',
  'prekeys_low',
  'bundle',
  'error',
]);

// ---- parsing --------------------------------------------------------------------------------

export type ParseResult<T> = { ok: true; frame: T } | { ok: false; code: ErrorCode; message: string };

function parseWith<T>(
  schema: v.GenericSchema<unknown, T>,
  knownTypes: Set<string>,
  raw: string,
): ParseResult<T> {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, code: 'bad_json', message: ERROR_CODES.bad_json };
  }
  const t = typeof json === 'object' && json !== null ? (json as { t?: unknown }).t : undefined;
  if (typeof t !== 'string' || !knownTypes.has(t)) {
    return { ok: false, code: 'unknown_type', message: `${ERROR_CODES.unknown_type} (${String(t).slice(0, 32)})` };
  }
  const result = v.safeParse(schema, json);
  if (result.success) return { ok: true, frame: result.output };
  const issue = result.issues[0];
  const path = issue.path?.map((p) => String(p.key)).join('.') ?? '';
  return { ok: false, code: 'bad_frame', message: `${ERROR_CODES.bad_frame} ${path}: ${issue.message}`.slice(0, 200) };
}

/** Parses one text frame from a client. Never throws. */
export const parseClientFrame = (raw: string): ParseResult<ClientFrame> =>
  parseWith(ClientFrameSchema, CLIENT_TYPES, raw);

/** Parses one text frame from the server. Never throws. */
export const parseServerFrame = (raw: string): ParseResult<ServerFrame> =>
  parseWith(ServerFrameSchema, SERVER_TYPES, raw);

// ---- builders: each side builds outgoing frames field by field, never echoing input --------

export const serverFrame = {
  challenge: (nonce: string): ServerFrame => ({ t: 'challenge', v: PROTOCOL_VERSION, nonce }),
  ready: (id: PeerId): ServerFrame => ({ t: 'ready', id }),
  ice: (servers: IceServer[], expiresAt?: number): ServerFrame => ({
    t: 'ice',
    servers: servers.map((s) => ({
      urls: [...s.urls],
      ...(s.username === undefined ? {} : { username: s.username }),
      ...(s.credential === undefined ? {} : { credential: s.credential }),
    })),
    ...(expiresAt === undefined ? {} : { expiresAt }),
  }),
  presence: (peers: { id: PeerId; online: boolean }[]): ServerFrame => ({ t: 'presence', peers }),
  signal: (from: PeerId, data: SignalData): ServerFrame => ({ t: 'signal', from, data }),
  pong: (n: number): ServerFrame => ({ t: 'pong', n }),
  accepted: (id: string, via: 'relay' | 'mailbox', expiresAt?: number): ServerFrame => ({
    t: 'accepted',
    id,
    via,
    ...(expiresAt === undefined ? {} : { expiresAt }),
  }),
  deliver: (d: { id: string; from: PeerId; blob: string; via: 'relay' | 'mailbox'; ts: number }): ServerFrame => ({
    t: 'deliver',
    id: d.id,
    from: d.from,
    blob: d.blob,
    via: d.via,
    ts: d.ts,
  }),
  prekeysStored: (count: number): ServerFrame => ({ t: 'prekeys_stored', count }),
  prekeysLow: (count: number): ServerFrame => ({ t: 'prekeys_low', count }),
  bundle: (b: { peer: PeerId; signed: PublishedSignedPrekey; oneTime?: PublishedOneTimePrekey }): ServerFrame => ({
    t: 'bundle',
    peer: b.peer,
    signed: { id: b.signed.id, key: b.signed.key, createdAt: b.signed.createdAt, sig: b.signed.sig },
    ...(b.oneTime === undefined ? {} : { oneTime: { id: b.oneTime.id, key: b.oneTime.key } }),
  }),
  error: (code: ErrorCode, ref?: string, detail?: string): ServerFrame => ({
    t: 'error',
    code,
    message: detail ?? ERROR_CODES[code],
    ...(ref === undefined ? {} : { ref }),
  }),
};
