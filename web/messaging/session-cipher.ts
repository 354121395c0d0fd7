import { CryptoError } from '../crypto/crypto-error.ts';
import type { IdentityKeys } from '../crypto/identity.ts';
import type { PrekeyBundle } from '../crypto/prekeys.ts';
import { openEnvelope, sealPlaintexts, startSession, withNewSession, type ResponderPrekeys } from '../crypto/session.ts';
import { sodium } from '../crypto/sodium.ts';
import { parseEnvelope, type Envelope } from '../protocol/envelope.ts';
import type { PeerId } from '../protocol/ids.ts';
import { MESSAGE_LIMITS } from '../protocol/limits.ts';
import { decodePeerFrame, encodePeerFrame, type PeerFrame } from '../protocol/peer-frames.ts';
import { addUnknownContact, markSessionChanged } from '../storage/contacts.ts';
import { db } from '../storage/db.ts';
import { deleteOneTimePrekeys, getPrekeys, type PrekeysById } from '../storage/prekeys.ts';
import { getSession, hasSession, putSession } from '../storage/sessions.ts';

// Peer frames in and out of end-to-end envelopes, with the sessions kept in IndexedDB. Every
// session change is stored in the transaction that made it: a sealed envelope leaves only after
// the state that produced it is on disk (so a message key is never used twice, even across a
// crash), and an opened message is committed together with the state that opened it (so a crash
// cannot leave a message read but not stored, or stored but readable again).

export interface BundleSource {
  /** The contact's prekey bundle from the server (unverified: the server may lie). */
  fetchBundle(peer: PeerId): Promise<PrekeyBundle>;
}

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
  /** Sessions being started per contact, so concurrent sends fetch one bundle, not several. */
  private readonly starting = new Map<PeerId, Promise<void>>();

  constructor(
    private readonly me: IdentityKeys,
    private readonly bundles: BundleSource,
  ) {}

  hasSession(peer: PeerId): Promise<boolean> {
    return hasSession(peer);
  }

  /**
   * Seals frames for `peer`, in order, starting a session from the contact's prekey bundle if
   * there is none (which needs the server; failures reject: CryptoError when the bundle does not
   * verify, another Error when there is none to be had). Resolves once the session state that
   * made the envelopes is durably stored.
   */
  async seal(peer: PeerId, frames: PeerFrame[]): Promise<Uint8Array[]> {
    // Loaded before the transaction: the first load is asynchronous and would end it.
    await sodium();
    if (!(await hasSession(peer))) await this.startSession(peer);
    const plaintexts = frames.map(encodePeerFrame);
    return db.transaction('rw', db.sessions, async () => {
      const row = await getSession(peer);
      if (!row) throw new CryptoError('no_session', 'The session with this contact is gone.');
      const sealed = sealPlaintexts(row, plaintexts);
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
      const stored = await getSession(peer);
      let row = stored;
      const frames: PeerFrame[] = [];
      const failures: string[] = [];
      let sessionChanged = false;
      // Nothing in the loop awaits: Dexie keeps a transaction across a bounded number of native
      // awaits only (see getPrekeys), and a batch may hold hundreds of envelopes.
      const parsed = envelopes.map((bytes) => parseEnvelope(bytes, MESSAGE_LIMITS.maxEnvelopeBytes));
      const prekeys = await prekeysNamedBy(parsed);
      const usedOneTimePrekeys: number[] = [];
      for (const envelope of parsed) {
        if (typeof envelope === 'string') {
          failures.push(envelope);
          continue;
        }
        try {
          const opened = openEnvelope(this.me, peer, row, envelope, responderPrekeys(prekeys, envelope), Date.now());
          row = opened.row;
          if (opened.usedOneTimePrekeyId !== null) {
            usedOneTimePrekeys.push(opened.usedOneTimePrekeyId);
            prekeys.oneTime.delete(opened.usedOneTimePrekeyId); // used once, even within a batch
          }
          sessionChanged ||= opened.replacedWorkingSession;
          const frame = decodePeerFrame(opened.plaintext);
          // Authentic but not a frame we know: the key is used up all the same.
          if (frame) frames.push(frame);
          else failures.push('bad_payload');
        } catch (error) {
          if (!(error instanceof CryptoError)) throw error;
          failures.push(error.code);
        }
      }
      if (usedOneTimePrekeys.length > 0) await deleteOneTimePrekeys(usedOneTimePrekeys);
      if (row && row !== stored) await putSession(row);
      if (frames.length > 0) await addUnknownContact(peer, Date.now());
      if (sessionChanged) await markSessionChanged(peer, Date.now());
      return { frames, committed: await commit(frames, sessionChanged), failures, sessionChanged, sessionStarted: !stored && row !== undefined };
    });
  }

  private startSession(peer: PeerId): Promise<void> {
    let pending = this.starting.get(peer);
    if (!pending) {
      pending = this.fetchAndStart(peer).finally(() => this.starting.delete(peer));
      this.starting.set(peer, pending);
    }
    return pending;
  }

  private async fetchAndStart(peer: PeerId): Promise<void> {
    const bundle = await this.bundles.fetchBundle(peer);
    const session = await startSession(this.me, peer, bundle, Date.now());
    await db.transaction('rw', db.sessions, async () => {
      // A session may have arrived meanwhile (the contact's own first message): keep that one.
      if (!(await getSession(peer))) await putSession(withNewSession(undefined, peer, session));
    });
  }
}

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
