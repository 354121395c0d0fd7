import Dexie, { type EntityTable } from 'dexie';
import type { PeerId } from '../protocol/ids.ts';
import type { SessionRow } from '../crypto/session.ts';
import type { OneTimePrekeyPair, SignedPrekeyPair } from '../crypto/prekeys.ts';
import type { OwnIceServer } from '../net/ice-server-input.ts';
import type { Theme } from './settings.ts';

// The device's whole Tincan state. Schema versions are numbered and only ever added: a new
// version describes the full set of tables and Dexie migrates older databases forward.

export interface IdentityRow {
  key: 'self';
  id: PeerId;
  name: string;
  publicKey: Uint8Array;
  secretKey: Uint8Array;
  createdAt: number;
}

export interface ContactRow {
  id: PeerId;
  name: string;
  /** 'user' names (typed or from an invite) are never overwritten by the peer's profile frame. */
  nameSource: 'user' | 'invite' | 'peer' | 'unknown';
  /** The name the contact last gave itself in a profile frame, kept (and shown) even when the user renamed them. */
  peerName?: string;
  addedAt: number;
  /** The user compared safety numbers with this contact (in person, or by scanning their QR code). */
  verified?: boolean;
  /**
   * When a new secure session from this contact replaced one that was already working (they
   * reinstalled, or restored their identity on another device). Sending to them is blocked until
   * the user acknowledges it, which clears the field.
   */
  sessionChangedAt?: number;
  /** The user blocked this contact: what they send is opened (to keep the session in step) but not kept or answered. */
  blocked?: boolean;
}

export type SendState = 'queued' | 'sent' | 'delivered' | 'read' | 'failed';

export interface MessageRow {
  conversationId: PeerId;
  /** 128-bit random ID chosen by the sender: the dedup key, unique per conversation. */
  id: string;
  direction: 'out' | 'in';
  text: string;
  /** Sender's per-conversation sequence number. */
  seq: number;
  /** Sender's clock at writing time: for display. */
  sentAt: number;
  /** Position in the conversation as shown (a fractional-index string, see messaging/sort-key.ts). */
  sortKey: string;
  /** For outgoing messages: delivery state. For incoming: 'delivered', then 'read' once shown. */
  state: SendState;
  /** Why an outgoing message was not delivered (state 'failed'), in words for the user. */
  failure?: string;
}

export interface OutboxRow {
  conversationId: PeerId;
  id: string;
  seq: number;
  queuedAt: number;
  /** Sends through the server so far (each answered `accepted` or an error). */
  attempts: number;
  /** When the next send through the server is due (the channel sends at once regardless). */
  nextAttemptAt: number;
  /** How the server last accepted it: forwarded, or held in the mailbox until expiresAt. */
  via?: 'relay' | 'mailbox';
  expiresAt?: number;
  /**
   * When the contact last said it lacks this message (its sync frame). An acceptance of a send
   * made before then must not put the next attempt off: the contact may have reported the gap
   * while that copy was on its way, and its word is all that would bring the message again.
   */
  requeuedAt?: number;
}

export interface ConversationRow {
  id: PeerId;
  /** Last sequence number this device used for its own messages here. */
  lastSeq: number;
  /** The greatest sortKey in this conversation (null while it is empty). */
  lastSortKey: string | null;
  /** Incoming messages not yet shown to the user. */
  unread: number;
  /** Highest sequence number up to which every message from the contact has arrived. */
  peerSeq: number;
  /** Sequence numbers from the contact received above a gap (after peerSeq + 1). */
  peerSeqAhead: number[];
  /**
   * The contact's sequence numbers this device received and chose not to keep (sent while they
   * were blocked, or in history the user deleted), as inclusive [first, last] ranges: a copy that
   * comes again is dropped, not stored (messaging/discarded.ts).
   */
  discarded?: [number, number][];
}

/**
 * This device's settings: one row. A field a row lacks (written before the setting existed) reads
 * as its default (storage/settings.ts).
 */
export interface SettingsRow {
  key: 'device';
  /** Privacy mode: WebRTC may only use TURN-relayed candidates, so no IP address goes to peers. */
  relayOnly?: boolean;
  /** Settings (storage/settings.ts): the signaling server chosen by the user (null: the app's own). */
  signalingUrl?: string | null;
  /** STUN/TURN servers the user added. */
  iceServers?: OwnIceServer[];
  theme?: Theme;
  /** Notifications and receipts (see storage/settings.ts). */
  readReceipts?: boolean;
  notifications?: boolean;
  notificationText?: boolean;
  notificationPromptDone?: boolean;
}

/**
 * This device's own prekeys with their private halves (the server holds only the public ones).
 * Signed and one-time prekeys count their IDs separately, so the kind is part of the key.
 */
export type PrekeyRow = ({ kind: 'signed' } & SignedPrekeyPair) | ({ kind: 'one-time'; createdAt: number } & OneTimePrekeyPair);

/** Version 1's tables, exported so a test can make a database as the first release left it. */
export const V1_STORES = {
  identity: 'key',
  contacts: 'id, addedAt',
  messages: '[conversationId+id], [conversationId+sortKey], [conversationId+direction+seq]',
  outbox: '[conversationId+id], [conversationId+seq]',
  conversations: 'id',
} as const;

/** Version 3's tables: version 1's, device settings, sessions and prekeys. */
const V3_STORES = { ...V1_STORES, settings: 'key', sessions: 'peer', prekeys: '[kind+id], kind' } as const;

export class TincanDb extends Dexie {
  identity!: EntityTable<IdentityRow, 'key'>;
  contacts!: EntityTable<ContactRow, 'id'>;
  messages!: Dexie.Table<MessageRow, [PeerId, string]>;
  outbox!: Dexie.Table<OutboxRow, [PeerId, string]>;
  conversations!: EntityTable<ConversationRow, 'id'>;
  settings!: EntityTable<SettingsRow, 'key'>;
  sessions!: EntityTable<SessionRow, 'peer'>;
  prekeys!: Dexie.Table<PrekeyRow, [PrekeyRow['kind'], number]>;

  constructor(name = 'tincan') {
    // Strict durability: a committed message has reached the disk, not just the OS cache, before
    // the app reports it queued (outgoing) or acknowledges it (incoming).
    super(name, { chromeTransactionDurability: 'strict' });
    this.version(1).stores(V1_STORES);
    // 2: device settings (privacy mode). Adds a table; every version 1 table stays as it was.
    this.version(2).stores({ ...V1_STORES, settings: 'key' });
    // 3: end-to-end sessions (X3DH + Double Ratchet) and this device's prekeys.
    this.version(3).stores(V3_STORES);
    // 4: incoming messages by state, so that marking a conversation read finds the unread ones
    // without reading its whole history (conversations of 100 000 messages open at once; reading
    // them all took seconds). IndexedDB builds the index over existing messages once, on upgrade.
    this.version(4).stores({ ...V3_STORES, messages: `${V1_STORES.messages}, [conversationId+direction+state]` });
  }
}

export const db = new TincanDb();
