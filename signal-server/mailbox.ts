import type Database from 'better-sqlite3';
import type { PeerId } from '../web/protocol/ids.ts';
import type { ServerLimits } from '../web/protocol/limits.ts';
import { openServerDatabase } from './mailbox-schema.ts';
import type { Clock } from './rate-limit.ts';

// End-to-end blobs kept for recipients who are offline, until they acknowledge them or they
// expire. Writes are group-committed: everything queued in one event-loop turn (which includes
// whatever arrived while the previous commit held the loop, better-sqlite3 being synchronous)
// goes into one transaction, so durability costs one fsync per group, not one per message.

export type MailboxLimits = Pick<ServerLimits, 'mailboxMaxCount' | 'mailboxMaxBytes' | 'mailboxTtlMs'>;

export interface MailboxOptions {
  limits: MailboxLimits;
  now?: Clock;
  /** Called after each committed transaction with the number of operations in it. */
  onCommit?: (operations: number) => void;
  /**
   * How long after a deletion the WAL is truncated (deleted blobs linger in the WAL until then).
   * Coalesces the checkpoints of many acknowledgements; an emptied mailbox is truncated at once.
   */
  checkpointDelayMs?: number;
  /** For failures in background work (checkpoints); never given blobs, IDs or peer IDs. */
  log?: (line: string) => void;
}

export interface NewBlob {
  recipient: PeerId;
  sender: PeerId;
  id: string;
  blob: Uint8Array;
}

export type AcceptResult =
  /** Stored, or already stored (`added` false): either way it is kept until `expiresAt`. */
  | { ok: true; added: boolean; expiresAt: number }
  | { ok: false; code: 'quota_exceeded' };

export interface StoredBlob {
  /** Increases with every blob stored; delivery order and the delivery cursor. */
  seq: number;
  id: string;
  sender: PeerId;
  blob: Buffer;
  acceptedAt: number;
}

const DEFAULT_CHECKPOINT_DELAY_MS = 1_000;

interface Usage {
  count: number;
  bytes: number;
}

/** What the operations of one transaction share. */
interface Group {
  now: number;
  /** Per recipient, what is stored including this group's inserts so far (quotas). */
  usage: Map<PeerId, Usage>;
  deleted: number;
}

interface Queued {
  apply: (group: Group) => unknown;
  resolve: (value: never) => void;
  reject: (error: unknown) => void;
}

export class Mailbox {
  private readonly db: Database.Database;
  private readonly sql;
  private readonly limits: MailboxLimits;
  private readonly now: Clock;
  private readonly onCommit: ((operations: number) => void) | undefined;
  private readonly checkpointDelayMs: number;
  private readonly log: (line: string) => void;
  private queue: Queued[] = [];
  private flushScheduled: NodeJS.Immediate | null = null;
  private checkpointTimer: NodeJS.Timeout | null = null;
  private closed = false;

  /** `path` is a file, or ':memory:' for a mailbox that dies with the process (tests). */
  constructor(path: string, options: MailboxOptions) {
    this.db = openServerDatabase(path);
    this.limits = options.limits;
    this.now = options.now ?? Date.now;
    this.onCommit = options.onCommit;
    this.checkpointDelayMs = options.checkpointDelayMs ?? DEFAULT_CHECKPOINT_DELAY_MS;
    this.log = options.log ?? (() => {});
    this.sql = {
      find: this.db.prepare<[string, string], { expires_at: number }>(
        'SELECT expires_at FROM blobs WHERE recipient = ? AND id = ?',
      ),
      usage: this.db.prepare<[string, number], Usage>(
        'SELECT count(*) AS count, coalesce(sum(size), 0) AS bytes FROM blobs WHERE recipient = ? AND expires_at > ?',
      ),
      insert: this.db.prepare(
        'INSERT INTO blobs (recipient, sender, id, blob, size, accepted_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      pending: this.db.prepare<[string, number, number, number], { seq: number; id: string; sender: string; blob: Buffer; accepted_at: number }>(
        `SELECT seq, id, sender, blob, accepted_at FROM blobs
         WHERE recipient = ? AND seq > ? AND expires_at > ? ORDER BY seq LIMIT ?`,
      ),
      delete: this.db.prepare('DELETE FROM blobs WHERE recipient = ? AND id = ?'),
      sweep: this.db.prepare('DELETE FROM blobs WHERE expires_at <= ?'),
      isEmpty: this.db.prepare<[], { empty: number }>('SELECT NOT EXISTS (SELECT 1 FROM blobs) AS empty'),
    };
  }

  /**
   * Stores a blob unless the recipient's quota would be exceeded. Resolves only after the
   * transaction holding it committed; rejects if that transaction failed (nothing was stored).
   * A second blob with the same (recipient, id) is not stored again: it resolves like the first.
   */
  accept(blob: NewBlob): Promise<AcceptResult> {
    return this.enqueue((group): AcceptResult => {
      const existing = this.sql.find.get(blob.recipient, blob.id);
      if (existing) return { ok: true, added: false, expiresAt: existing.expires_at };
      const usage = this.usageOf(group, blob.recipient);
      const size = blob.blob.byteLength;
      if (usage.count + 1 > this.limits.mailboxMaxCount || usage.bytes + size > this.limits.mailboxMaxBytes) {
        return { ok: false, code: 'quota_exceeded' };
      }
      const expiresAt = group.now + this.limits.mailboxTtlMs;
      const bytes = Buffer.from(blob.blob.buffer, blob.blob.byteOffset, size);
      this.sql.insert.run(blob.recipient, blob.sender, blob.id, bytes, size, group.now, expiresAt);
      usage.count += 1;
      usage.bytes += size;
      return { ok: true, added: true, expiresAt };
    });
  }

  /**
   * Deletes the blob `id` stored for `recipient`. False (and nothing deleted) when there is no
   * such blob for this recipient, whoever else may have one with that ID. Group-committed like
   * accept(): an acknowledgement is a write that must not cost its own fsync either.
   */
  ack(recipient: PeerId, id: string): Promise<boolean> {
    return this.enqueue((group) => {
      const deleted = this.sql.delete.run(recipient, id).changes > 0;
      if (deleted) group.deleted += 1;
      return deleted;
    });
  }

  /** Up to `limit` unexpired blobs for `recipient` stored after `afterSeq`, oldest first. */
  pending(recipient: PeerId, afterSeq: number, limit: number): StoredBlob[] {
    return this.sql.pending.all(recipient, afterSeq, this.now(), limit).map((row) => ({
      seq: row.seq,
      id: row.id,
      sender: row.sender,
      blob: row.blob,
      acceptedAt: row.accepted_at,
    }));
  }

  /** Deletes every blob that expired by `now`; returns how many. */
  sweep(now: number = this.now()): number {
    const deleted = this.sql.sweep.run(now).changes;
    if (deleted > 0) this.afterDeletion();
    return deleted;
  }

  /** Commits what is queued, truncates the WAL and closes the file. */
  close(): void {
    if (this.closed) return;
    if (this.flushScheduled) clearImmediate(this.flushScheduled);
    this.flush();
    this.closed = true;
    if (this.checkpointTimer) clearTimeout(this.checkpointTimer);
    this.checkpoint();
    this.db.close();
  }

  private enqueue<T>(apply: (group: Group) => T): Promise<T> {
    if (this.closed) return Promise.reject(new Error('the mailbox is closed'));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ apply, resolve: resolve as (value: never) => void, reject });
      // setImmediate rather than a microtask: frames that arrived in the same poll phase (from
      // every connection) are all handled before it runs, and join this group.
      this.flushScheduled ??= setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    this.flushScheduled = null;
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    const group: Group = { now: this.now(), usage: new Map(), deleted: 0 };
    let results: unknown[];
    try {
      results = this.db.transaction(() => batch.map((queued) => queued.apply(group)))();
    } catch (error) {
      // The whole transaction rolled back: nothing in it was stored or deleted.
      for (const queued of batch) queued.reject(error);
      return;
    }
    this.onCommit?.(batch.length);
    batch.forEach((queued, i) => queued.resolve(results[i] as never));
    if (group.deleted > 0) this.afterDeletion();
  }

  private usageOf(group: Group, recipient: PeerId): Usage {
    let usage = group.usage.get(recipient);
    if (!usage) group.usage.set(recipient, (usage = { ...this.sql.usage.get(recipient, group.now)! }));
    return usage;
  }

  /**
   * Deleted rows are zeroed in the database (secure_delete), but the pages that held them stay
   * in the WAL until it is truncated: do that soon, and at once when nothing is left to keep.
   */
  private afterDeletion(): void {
    if (this.sql.isEmpty.get()!.empty) {
      this.checkpoint();
      return;
    }
    if (this.checkpointTimer) return;
    this.checkpointTimer = setTimeout(() => this.checkpoint(), this.checkpointDelayMs);
    this.checkpointTimer.unref();
  }

  private checkpoint(): void {
    if (this.checkpointTimer) clearTimeout(this.checkpointTimer);
    this.checkpointTimer = null;
    try {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } catch (error) {
      // Nothing is lost: the WAL is truncated by the next checkpoint, or when the file is closed.
      this.log(`mailbox: checkpoint failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
