import { closeSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';

// The mailbox's SQLite file: settings that make a commit durable and a deletion final, and the
// schema as numbered migrations (PRAGMA user_version counts the ones applied).

/** Each entry moves the schema one version up; entries are only ever appended. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE blobs (
     -- AUTOINCREMENT: a deleted blob's number is never reused, so "everything after the last one
     -- sent" (delivery.ts) cannot skip a newer blob that took an acknowledged one's number.
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     recipient TEXT NOT NULL,
     sender TEXT NOT NULL,
     id TEXT NOT NULL,
     blob BLOB NOT NULL,
     size INTEGER NOT NULL,
     accepted_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL,
     UNIQUE (recipient, id)
   ) STRICT;
   CREATE INDEX blobs_by_recipient ON blobs (recipient, seq);
   CREATE INDEX blobs_by_expiry ON blobs (expires_at);`,
];

/** Opens (creating if needed) the mailbox at `path`; ':memory:' gives a throwaway one. */
export function openMailboxDatabase(path: string): Database.Database {
  // Created readable by this user only; SQLite gives its -wal and -shm files the same mode.
  if (path !== ':memory:') closeSync(openSync(path, 'a', 0o600));
  const db = new Database(path);
  try {
    // WAL: a commit appends to the log instead of rewriting pages, and readers never block it.
    db.pragma('journal_mode = WAL');
    // FULL: every commit is fsynced, so an `accepted` answered after it survives a power cut.
    db.pragma('synchronous = FULL');
    // Deleted rows and freed pages are overwritten with zeros, so an acknowledged blob is not
    // left readable in the file (the WAL is truncated separately, see Mailbox).
    db.pragma('secure_delete = ON');
    migrate(db);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > MIGRATIONS.length) {
    throw new Error(`the mailbox database has schema version ${version}, newer than this server knows (${MIGRATIONS.length})`);
  }
  db.transaction(() => {
    for (const migration of MIGRATIONS.slice(version)) db.exec(migration);
    db.pragma(`user_version = ${MIGRATIONS.length}`);
  })();
}
