import { closeSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';

// The server's SQLite file (`mailbox.sqlite`: the mailbox, and since version 2 the prekeys):
// settings that make a commit durable and a deletion final, and the schema as numbered
// migrations (PRAGMA user_version counts the ones applied). Opening the file applies those
// missing, so a data directory of an older server upgrades in place and keeps its mailbox.

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
  // 2: X3DH prekeys (prekeys.ts). Keys and signatures are the owners' base64url text, unchecked
  // beyond their shape: clients verify them.
  `CREATE TABLE signed_prekeys (
     owner TEXT PRIMARY KEY,
     id INTEGER NOT NULL,
     key TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     sig TEXT NOT NULL
   ) STRICT;
   CREATE TABLE one_time_prekeys (
     -- Publication order, so the oldest is handed out first. No AUTOINCREMENT needed: a new row
     -- always gets a number above every row still stored, which is all the order requires.
     seq INTEGER PRIMARY KEY,
     owner TEXT NOT NULL,
     id INTEGER NOT NULL,
     key TEXT NOT NULL,
     UNIQUE (owner, id)
   ) STRICT;
   CREATE INDEX one_time_prekeys_by_owner ON one_time_prekeys (owner, seq);`,
];

/**
 * Opens (creating or upgrading if needed) the database at `path`; ':memory:' gives a throwaway
 * one. The mailbox and the prekey store each open their own connection to the file.
 */
export function openServerDatabase(path: string): Database.Database {
  // Created readable by this user only; SQLite gives its -wal and -shm files the same mode.
  if (path !== ':memory:') closeSync(openSync(path, 'a', 0o600));
  const db = new Database(path);
  try {
    // WAL: a commit appends to the log instead of rewriting pages, and readers never block it.
    db.pragma('journal_mode = WAL');
    // FULL: every commit is fsynced, so an `accepted` answered after it survives a power cut.
    db.pragma('synchronous = FULL');
    // Deleted rows and freed pages are overwritten with zeros, so an acknowledged blob (or a
    // one-time prekey handed out) is not left readable in the file (the WAL is truncated
    // separately, see Mailbox).
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
    throw new Error(`the server database has schema version ${version}, newer than this server knows (${MIGRATIONS.length})`);
  }
  db.transaction(() => {
    for (const migration of MIGRATIONS.slice(version)) db.exec(migration);
    db.pragma(`user_version = ${MIGRATIONS.length}`);
  })();
}
