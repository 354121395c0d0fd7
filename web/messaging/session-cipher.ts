import type { Table } from 'dexie';
import { CryptoError } from '../crypto/crypto-error.ts';
import type { IdentityKeys } from '../crypto/identity.ts';
import type { PrekeyBundle } from '../crypto/prekeys.ts';
import { openEnvelope, sealPlaintexts, startSession, withNewSession, type ResponderPrekeys } from '../crypto/session.ts';
import { sodium } from '../crypto/sodium.ts';
import { parseEnvelope, type Envelope } from '../protocol/envelope.ts';
import type { PeerId } from '../protocol/ids.ts';
import { MESSAGE_LIMITS } from '../protocol/limits.ts';
import { decodePeerFrames, encodePeerFrame, packPeerFrames, type PeerFrame } from '../protocol/peer-frames.ts';
import { addUnknownContact, markSessionChanged, sendingHeld } from '../storage/contacts.ts';
import { db } from '../storage/db.ts';
import { deleteOneTimePrekeys, getPrekeys, type PrekeysById } from '../storage/prekeys.ts';
import { getSession, putSession } from '../storage/sessions.ts';

// Peer frames in and out of end-to-end envelopes, with the sessions kept in IndexedDB. Every
// session change is stored in the transaction that made it: a sealed envelope leaves only after
// the state that produced it is on disk (so a message key is never used twice, even across a
// crash), and an opened message is committed together with the state that opened it (so a crash
// cannot leave a message read but not stored, or stored but readable again).

export interface BundleSource {
  /** The contact's prekey bundle from the server (unverified: the server may lie). */
  fetchBundle(peer: PeerId): Promise<PrekeyBundle>;
}

export interface SealOptions {
  /** Pack frames into as few envelopes as FRAME_PACK_LIMITS allow (a channel only). */
  pack?: boolean;
  /** Start a session if there is none (default); without one, seal resolves null. */
  start?: boolean;
  /** Resolve null while sending to the contact is held (see seal). */
  holdable?: boolean;
}

/** sealStored found no session to seal in. */
const NO_SESSION = Symbol('no session');

export interface OpenOutcome<T> {
  /** Frames that opened, in arrival order. */
  frames: PeerFrame[];
  /** What the commit callback returned. */
  committed: T;
  /** Error codes of the envelopes that did not open (each dropped). */
  failures: string[];
  /** A new session from the contact replaced one that worked (see crypto/session.ts). */
  sessionChanged: boolean;
  /** The first session with this contact began with these envelopes (they started it). */
  sessionStarted: boolean;
}

export class SessionCipher {
  /** The last seal asked for per contact (settled either way), which the next one waits for. */
  private readonly sealing = new Map<PeerId, Promise<void>>();

  constructor(
    private readonly me: IdentityKeys,
    private readonly bundles: BundleSource,
  ) {}

  /**
   * Seals frames for `peer`, in order, and resolves once the session state that made the
   * envelopes is durably stored. One envelope per frame, or with `pack`, as few as
   * FRAME_PACK_LIMITS allow (for a channel: the server needs one envelope per message ID).
   *
   * Without a session, one is started from the contact's prekey bundle (which needs the server;
   * failures reject: CryptoError when the bundle does not verify, another Error when there is none
   * to be had), unless `start` is false: then it resolves null. With `holdable` (messages, as
   * opposed to receipts and sync) it also resolves null while sending to the contact is held
   * (sendingHeld: a session change the user has not acknowledged, or a blocked contact).
   */
  seal(peer: PeerId, frames: PeerFrame[], options: SealOptions = {}): Promise<Uint8Array[] | null> {
    return this.inOrder(peer, () => this.sealInOrder(peer, frames, options));
  }

  /** Whether no seal for `peer` is under way or waiting: one asked for now would start at once. */
  idle(peer: PeerId): boolean {
    return !this.sealing.has(peer);
  }

  /**
   * seal() for frames that `write` makes in the same transaction, for new messages: `write`
   * stores them (in `tables`, joined to the transaction) and returns their frames, which are sealed
   * before the one durable commit. The message and the session state that sealed it reach the disk
   * together, so the first byte leaves after one commit rather than two, and the page's reads
   * after the first cannot come in between. Never starts a session: without one (or while
   * sending is held, as with `holdable`) `write`'s changes are committed all the same and
   * `envelopes` is null, for seal() to deal with.
   */
  sealWritten<T>(
    peer: PeerId,
    tables: Table[],
    write: () => Promise<{ frames: PeerFrame[]; result: T }>,
    { pack = false }: Pick<SealOptions, 'pack'> = {},
  ): Promise<{ result: T; envelopes: Uint8Array[] | null }> {
    return this.inOrder(peer, async () => {
      await sodium(); // loaded before the transaction: the first load is asynchronous and would end it
      let result!: T;
      const sealed = await this.sealStored(peer, true, tables, async () => {
        const written = await write();
        result = written.result;
        return encodeFrames(written.frames, pack);
      });
      return { result, envelopes: sealed === NO_SESSION ? null : sealed };
    });
  }

  /** Runs `task` after every seal asked for earlier for `peer` has settled (either way). */
  private inOrder<R>(peer: PeerId, task: () => Promise<R>): Promise<R> {
    // One at a time per contact, in call order: envelopes leave in the order they were asked for
    // (a message sealed while the session is being started must not overtake an earlier one).
    // Forgotten as soon as the last one settles, before its caller resumes, so that idle() is true
    // for whatever that caller does next.
    const run = (this.sealing.get(peer) ?? Promise.resolve()).then(task).finally(() => {
      if (this.sealing.get(peer) === tail) this.sealing.delete(peer);
    });
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.sealing.set(peer, tail);
    return run;
  }

  private async sealInOrder(peer: PeerId, frames: PeerFrame[], options: SealOptions): Promise<Uint8Array[] | null> {
    // Loaded before the transaction: the first load is asynchronous and would end it.
    await sodium();
    const plaintexts = encodeFrames(frames, options.pack === true);
    const holdable = options.holdable === true;
    const sealed = await this.sealStored(peer, holdable, [], async () => plaintexts);
    if (sealed !== NO_SESSION) return sealed;
    if (options.start === false) return null;
    await this.startFromBundle(peer);
    const again = await this.sealStored(peer, holdable, [], async () => plaintexts);
    if (again === NO_SESSION) throw new CryptoError('no_session', 'The session with this contact is gone.');
    return again;
  }

  /**
   * One transaction that reads what sealing depends on at once (the session, and whether sending
   * is held) while `plaintexts` makes what to seal (writing to `tables` if it must), and stores
   * the advanced session: the first message after a pause waits for one round trip to the
   * database and one commit, not three.
   */
  private sealStored(
    peer: PeerId,
    holdable: boolean,
    tables: Table[],
    plaintexts: () => Promise<Uint8Array[]>,
  ): Promise<Uint8Array[] | null | typeof NO_SESSION> {
    return db.transaction('rw', [db.sessions, db.contacts, ...tables], async () => {
      const [made, row, held] = await Promise.all([plaintexts(), getSession(peer), holdable ? sendingHeld(peer) : false]);
      if (held) return null;
      if (!row) return NO_SESSION;
      const sealed = sealPlaintexts(row, made);
      await putSession(sealed.row);
      return sealed.envelopes;
    });
  }

  /**
   * Opens envelopes from `peer` and, in the same transaction, hands the frames that opened to
   * `commit` (which must only use IndexedDB: messages, conversations, contacts), with whether a
   * new session from the contact replaced a working one. Envelopes that fail are dropped and
   * reported in `failures`; they never stop the others.
   */
  async open<T>(peer: PeerId, envelopes: Uint8Array[], commit: (frames: PeerFrame[], sessionChanged: boolean) => Promise<T>): Promise<OpenOutcome<T>> {
    await sodium();
    return db.transaction('rw', [db.sessions, db.prekeys, db.contacts, db.messages, db.conversations], async () => {
      const parsed = envelopes.map((bytes) => parseEnvelope(bytes, MESSAGE_LIMITS.maxEnvelopeBytes));
      // Requests issued together, here and below: each await on the database is a round trip to
      // the browser's storage process, and the first message after a pause waits for all of them.
      const [stored, prekeys] = await Promise.all([getSession(peer), prekeysNamedBy(parsed)]);
      let row = stored;
      const frames: PeerFrame[] = [];
      const failures: string[] = [];
      let sessionChanged = false;
      // Nothing in the loop awaits: Dexie keeps a transaction across a bounded number of native
      // awaits only (see getPrekeys), and a batch may hold hundreds of envelopes.
      const usedOneTimePrekeys: number[] = [];
      for (const envelope of parsed) {
        if (typeof envelope === 'string') {
          failures.push(envelope);
          continue;
        }
        try {
          // Decoded where libsodium decrypted it: the plaintext is never copied (crypto/aead.ts).
          const opened = openEnvelope(this.me, peer, row, envelope, responderPrekeys(prekeys, envelope), Date.now(), decodePeerFrames);
          row = opened.row;
          if (opened.usedOneTimePrekeyId !== null) {
            usedOneTimePrekeys.push(opened.usedOneTimePrekeyId);
            prekeys.oneTime.delete(opened.usedOneTimePrekeyId); // used once, even within a batch
          }
          sessionChanged ||= opened.replacedWorkingSession;
          // Authentic but not frames we know: the key is used up all the same.
          if (opened.plaintext) frames.push(...opened.plaintext);
          else failures.push('bad_payload');
        } catch (error) {
          if (!(error instanceof CryptoError)) throw error;
          failures.push(error.code);
        }
      }
      const now = Date.now();
      const [committed] = await Promise.all([
        commit(frames, sessionChanged),
        usedOneTimePrekeys.length > 0 && deleteOneTimePrekeys(usedOneTimePrekeys),
        row && row !== stored && putSession(row),
        frames.length > 0 && addUnknownContact(peer, now),
        sessionChanged && markSessionChanged(peer, now),
      ]);
      return { frames, committed, failures, sessionChanged, sessionStarted: !stored && row !== undefined };
    });
  }

  /** Seals are serialized per contact, so concurrent sends fetch one bundle, not several. */
  private async startFromBundle(peer: PeerId): Promise<void> {
    const bundle = await this.bundles.fetchBundle(peer);
    const session = await startSession(this.me, peer, bundle, Date.now());
    await db.transaction('rw', db.sessions, async () => {
      // A session may have arrived meanwhile (the contact's own first message): keep that one.
      if (!(await getSession(peer))) await putSession(withNewSession(undefined, peer, session));
    });
  }
}

/** One envelope's plaintext per frame, or with `pack`, as few as FRAME_PACK_LIMITS allow. */
const encodeFrames = (frames: PeerFrame[], pack: boolean): Uint8Array[] => (pack ? packPeerFrames(frames) : frames.map(encodePeerFrame));

/** Our prekeys that the initial messages among `envelopes` name, in one read. */
function prekeysNamedBy(envelopes: (Envelope | string)[]): Promise<PrekeysById> {
  const headers = envelopes.flatMap((e) => (typeof e !== 'string' && e.initial ? [e.initial] : []));
  return getPrekeys(
    headers.map((h) => h.signedPrekeyId),
    headers.flatMap((h) => (h.oneTimePrekeyId === null ? [] : [h.oneTimePrekeyId])),
  );
}

function responderPrekeys(prekeys: PrekeysById, envelope: Envelope): ResponderPrekeys {
  const { initial } = envelope;
  return {
    signed: initial ? prekeys.signed.get(initial.signedPrekeyId) : undefined,
    oneTime: initial?.oneTimePrekeyId == null ? undefined : prekeys.oneTime.get(initial.oneTimePrekeyId),
  };
}
