import { CryptoError, cryptoError } from './crypto-error.ts';
import type { IdentityKeys } from './identity.ts';
import type { OneTimePrekeyPair, PrekeyBundle, SignedPrekeyPair } from './prekeys.ts';
import { initInitiatorRatchet, initResponderRatchet, plaintextBytes, ratchetDecrypt, ratchetEncryptBehind, type RatchetState } from './ratchet.ts';
import { initiateX3dh, respondX3dh } from './x3dh.ts';
import { envelopePrefix, type Envelope } from '../protocol/envelope.ts';
import type { PeerId } from '../protocol/ids.ts';

// The sessions with one contact, as pure functions over the row that stores them: starting one
// from a prekey bundle (X3DH, then the Double Ratchet), sealing frames, and opening envelopes.
// Sealing and opening are synchronous (after sodium() has loaded), because they run inside the
// IndexedDB transaction that stores their result.
// Like ratchet.ts, nothing here changes the row it is given: it returns the next row, and the
// caller stores it in the same IndexedDB transaction as whatever the message changed.
//
// A contact can have more than one session: both may have started one at the same moment, or one
// of them reinstalled or restored their identity elsewhere. As in Signal, the session in which the
// contact's latest message decrypted becomes the one we send in, and a few earlier ones are kept
// so that messages sent in them (late, or from the other side of a crossing) still decrypt.

export const SESSION_LIMITS = {
  /** Earlier sessions kept per contact, newest first. */
  previousSessions: 4,
  /**
   * X3DH ephemeral keys remembered per contact: an initial message replayed after its session
   * was dropped is recognised as a replay instead of starting that session again.
   */
  seenBases: 256,
} as const;

export interface StoredSession {
  /** The initiator's X3DH ephemeral key: names the session on both sides. */
  base: string;
  /** Whether this device started it (from the contact's prekey bundle). */
  initiator: boolean;
  state: RatchetState;
  createdAt: number;
  /** Whether a message from the contact has decrypted in it, i.e. it is known to work. */
  confirmed: boolean;
}

export interface SessionRow {
  peer: PeerId;
  /** The session new frames are sealed in. */
  current: StoredSession;
  /** Earlier sessions, newest first, at most SESSION_LIMITS.previousSessions. */
  previous: StoredSession[];
  /** X3DH ephemeral keys of initial messages accepted from the contact, newest last. */
  seenBases: string[];
}

/** Our own prekeys an initial message may name, looked up by the caller from its header. */
export interface ResponderPrekeys {
  signed: SignedPrekeyPair | undefined;
  oneTime: OneTimePrekeyPair | undefined;
}

export interface Opened<T = Uint8Array> {
  /** What the `read` given to openEnvelope made of the plaintext (by default its bytes). */
  plaintext: T;
  row: SessionRow;
  /** The one-time prekey this message used up: delete it in the same transaction as the row. */
  usedOneTimePrekeyId: number | null;
  /**
   * A new session from the contact replaced one that worked: they reinstalled or restored their
   * identity on another device, or someone holding their key did. The user should know.
   */
  replacedWorkingSession: boolean;
}

/**
 * Starts a session with `peer` from the bundle the server handed out. The bundle is verified
 * against `peer` first and anything else fails closed (CryptoError from verifyBundle).
 */
export async function startSession(me: IdentityKeys, peer: PeerId, bundle: PrekeyBundle, now: number): Promise<StoredSession> {
  const x3dh = await initiateX3dh(me, bundle, peer);
  return { base: x3dh.header.ephemeralKey, initiator: true, state: await initInitiatorRatchet(x3dh), createdAt: now, confirmed: false };
}

/** The row after installing a session this device just started as the one to send in. */
export function withNewSession(row: SessionRow | undefined, peer: PeerId, session: StoredSession): SessionRow {
  return {
    peer,
    current: session,
    previous: row ? [row.current, ...row.previous].slice(0, SESSION_LIMITS.previousSessions) : [],
    seenBases: row?.seenBases ?? [],
  };
}

/**
 * Seals plaintexts in the current session, in order. Until the contact has replied in it, each
 * envelope of a session we started carries the X3DH header, so whichever arrives first can
 * start the session on the other side.
 */
export function sealPlaintexts(row: SessionRow, plaintexts: Uint8Array[]): { envelopes: Uint8Array[]; row: SessionRow } {
  let state = row.current.state;
  const envelopes: Uint8Array[] = [];
  for (const plaintext of plaintexts) {
    // An envelope is its prefix, authenticated as the message's context, then the ratchet message.
    const { message, nextState } = ratchetEncryptBehind(state, plaintext, envelopePrefix(state.x3dh));
    envelopes.push(message);
    state = nextState;
  }
  return { envelopes, row: { ...row, current: { ...row.current, state } } };
}

/**
 * Opens an envelope from `peer` (the sender the server or the channel names). Throws CryptoError,
 * leaving `row` as it was: `duplicate` (already read: a replay or a second copy), `no_session`
 * (a ratchet message and no session at all), `identity_mismatch` (an initial message from some
 * other identity), or what ratchet.ts and x3dh.ts throw (`decrypt_failed`, `too_many_skipped`,
 * `unknown_signed_prekey`, `unknown_one_time_prekey`, ...). `read` makes what `plaintext` holds
 * from a view of the plaintext valid during the call only (ratchetDecrypt).
 */
export function openEnvelope<T = Uint8Array>(
  me: IdentityKeys,
  peer: PeerId,
  row: SessionRow | undefined,
  envelope: Envelope,
  prekeys: ResponderPrekeys,
  now: number,
  read: (plaintext: Uint8Array) => T = plaintextBytes as (plaintext: Uint8Array) => T,
): Opened<T> {
  const { initial } = envelope;
  if (initial && initial.identityKey !== peer) throw cryptoError('identity_mismatch');
  const sessions = row ? [row.current, ...row.previous] : [];
  // An initial message belongs to the session its X3DH header names, if we have it already.
  const candidates = initial ? sessions.filter((s) => s.base === initial.ephemeralKey) : sessions;
  if (row && candidates.length > 0) return openInExisting(row, candidates, envelope, read);
  if (!initial) throw cryptoError(row ? 'decrypt_failed' : 'no_session');
  if (row?.seenBases.includes(initial.ephemeralKey)) throw cryptoError('duplicate');

  const x3dh = respondX3dh(me, initial, { signedPrekey: prekeys.signed, oneTimePrekey: prekeys.oneTime });
  const { plaintext, nextState } = ratchetDecrypt(initResponderRatchet(x3dh), envelope.ratchetMessage, envelope.prefix, read);
  const session: StoredSession = { base: initial.ephemeralKey, initiator: false, state: nextState, createdAt: now, confirmed: true };
  return {
    plaintext,
    row: {
      ...withNewSession(row, peer, session),
      seenBases: [...(row?.seenBases ?? []), initial.ephemeralKey].slice(-SESSION_LIMITS.seenBases),
    },
    usedOneTimePrekeyId: x3dh.deleteOneTimePrekeyId,
    replacedWorkingSession: row?.current.confirmed === true,
  };
}

/** Tries the sessions in order; the one that opens the message becomes current. */
function openInExisting<T>(row: SessionRow, candidates: StoredSession[], envelope: Envelope, read: (plaintext: Uint8Array) => T): Opened<T> {
  const errors: CryptoError[] = [];
  for (const session of candidates) {
    try {
      const { plaintext, nextState } = ratchetDecrypt(session.state, envelope.ratchetMessage, envelope.prefix, read);
      const opened: StoredSession = { ...session, state: nextState, confirmed: true };
      const others = [row.current, ...row.previous].filter((s) => s !== session);
      return {
        plaintext,
        row: { ...row, current: opened, previous: others.slice(0, SESSION_LIMITS.previousSessions) },
        usedOneTimePrekeyId: null,
        replacedWorkingSession: false,
      };
    } catch (error) {
      if (!(error instanceof CryptoError)) throw error;
      // A message already read in the session it belongs to is a duplicate, whatever the others say.
      if (error.code === 'duplicate') throw error;
      errors.push(error);
    }
  }
  // The most telling failure: one session recognised the message but it is too far ahead.
  throw errors.find((e) => e.code === 'too_many_skipped') ?? errors[0]!;
}
