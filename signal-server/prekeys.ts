import type Database from 'better-sqlite3';
import type { PeerId } from '../web/protocol/ids.ts';
import type { PublishedOneTimePrekey, PublishedSignedPrekey } from '../web/protocol/server-frames.ts';
import { openServerDatabase } from './mailbox-schema.ts';

// Each identity's published X3DH prekeys: one signed prekey, replaced on rotation, and a pool of
// one-time prekeys, each handed out once and deleted as it is. Every call is one synchronous
// transaction, committed (fsynced) before it returns: a one-time prekey handed out is gone for
// good, even if the process dies the moment after.

export interface PrekeyStoreLimits {
  /** Most one-time prekeys held per owner. */
  maxOneTimePrekeys: number;
}

export type PublishResult =
  /** Committed; `count` one-time prekeys are now held for the owner. */
  | { ok: true; count: number }
  /** Nothing from this publication was stored. */
  | { ok: false; code: 'prekey_limit' };

export interface TakenBundle {
  signed: PublishedSignedPrekey;
  /** Absent once the owner's one-time prekeys are used up (X3DH works without one). */
  oneTime?: PublishedOneTimePrekey;
  /** One-time prekeys the owner has left after this one was taken. */
  remaining: number;
}

export interface PrekeyCount {
  signed: boolean;
  oneTime: number;
}

/** Thrown inside a transaction to roll it back. */
class OverLimit extends Error {}

export class PrekeyStore {
  private readonly db: Database.Database;
  private readonly sql;

  /** `path` is the server's database file (shared with the mailbox), or ':memory:' (tests). */
  constructor(
    path: string,
    private readonly limits: PrekeyStoreLimits,
  ) {
    this.db = openServerDatabase(path);
    this.sql = {
      putSigned: this.db.prepare<[string, number, string, number, string]>(
        `INSERT INTO signed_prekeys (owner, id, key, created_at, sig) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (owner) DO UPDATE SET id = excluded.id, key = excluded.key, created_at = excluded.created_at, sig = excluded.sig`,
      ),
      addOneTime: this.db.prepare<[string, number, string]>('INSERT OR IGNORE INTO one_time_prekeys (owner, id, key) VALUES (?, ?, ?)'),
      signed: this.db.prepare<[string], { id: number; key: string; created_at: number; sig: string }>(
        'SELECT id, key, created_at, sig FROM signed_prekeys WHERE owner = ?',
      ),
      oldestOneTime: this.db.prepare<[string], { seq: number; id: number; key: string }>(
        'SELECT seq, id, key FROM one_time_prekeys WHERE owner = ? ORDER BY seq LIMIT 1',
      ),
      deleteOneTime: this.db.prepare<[number]>('DELETE FROM one_time_prekeys WHERE seq = ?'),
      deleteAllOneTime: this.db.prepare<[string]>('DELETE FROM one_time_prekeys WHERE owner = ?'),
      countOneTime: this.db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM one_time_prekeys WHERE owner = ?'),
    };
  }

  /**
   * Replaces `owner`'s signed prekey and adds the one-time prekeys whose IDs it does not hold yet
   * (a resent batch changes nothing), after deleting all held ones if `replace`. All or nothing:
   * if the one-time prekeys held would exceed maxOneTimePrekeys, not even the signed prekey is
   * stored.
   */
  publish(owner: PeerId, signed: PublishedSignedPrekey, oneTime: readonly PublishedOneTimePrekey[], replace = false): PublishResult {
    try {
      return this.db.transaction((): PublishResult => {
        if (replace) this.sql.deleteAllOneTime.run(owner);
        this.sql.putSigned.run(owner, signed.id, signed.key, signed.createdAt, signed.sig);
        for (const prekey of oneTime) this.sql.addOneTime.run(owner, prekey.id, prekey.key);
        // Counted after the inserts, so that IDs already held and repeated IDs cost nothing.
        const count = this.countOneTime(owner);
        if (count > this.limits.maxOneTimePrekeys) throw new OverLimit();
        return { ok: true, count };
      }).immediate();
    } catch (error) {
      if (error instanceof OverLimit) return { ok: false, code: 'prekey_limit' };
      throw error;
    }
  }

  /**
   * `owner`'s bundle, taking (deleting) its oldest one-time prekey in the same transaction that
   * reads it, so no two callers ever get the same one. Null when `owner` has no signed prekey.
   */
  takeBundle(owner: PeerId): TakenBundle | null {
    // IMMEDIATE: the write lock is held from the read on, even against another connection.
    return this.db.transaction((): TakenBundle | null => {
      const signed = this.sql.signed.get(owner);
      if (!signed) return null;
      const bundle: TakenBundle = {
        signed: { id: signed.id, key: signed.key, createdAt: signed.created_at, sig: signed.sig },
        remaining: 0,
      };
      const oneTime = this.sql.oldestOneTime.get(owner);
      if (oneTime) {
        this.sql.deleteOneTime.run(oneTime.seq);
        bundle.oneTime = { id: oneTime.id, key: oneTime.key };
      }
      bundle.remaining = this.countOneTime(owner);
      return bundle;
    }).immediate();
  }

  count(owner: PeerId): PrekeyCount {
    return { signed: this.sql.signed.get(owner) !== undefined, oneTime: this.countOneTime(owner) };
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private countOneTime(owner: PeerId): number {
    return this.sql.countOneTime.get(owner)!.n;
  }
}
