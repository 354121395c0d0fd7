import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it, onTestFinished } from 'vitest';
import { Mailbox, type MailboxLimits, type MailboxOptions, type NewBlob } from '../../signal-server/mailbox.ts';
import { toBase64Url } from '../../web/protocol/encoding.ts';
import { tempDataDir } from '../fixtures/server.ts';
import { newMessageId } from '../fixtures/ws-client.ts';

const LIMITS: MailboxLimits = { mailboxMaxCount: 1_000, mailboxMaxBytes: 1_000_000, mailboxTtlMs: 60_000 };

/** A clock the test moves by hand. */
function manualClock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1_700_000_000_000;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

const peerId = (): string => toBase64Url(randomBytes(32));
const [ALICE, BOB, CAROL] = [peerId(), peerId(), peerId()];

const blobFor = (recipient: string, size = 100, id = newMessageId()): NewBlob => ({
  recipient,
  sender: ALICE,
  id,
  blob: randomBytes(size),
});

/** A mailbox in a fresh file, closed when the test ends; `path` is for looking inside it. */
async function openMailbox(options: Partial<MailboxOptions> = {}): Promise<{ mailbox: Mailbox; path: string; commits: number[] }> {
  const path = join(await tempDataDir(), 'mailbox.sqlite');
  const commits: number[] = [];
  const mailbox = new Mailbox(path, { limits: LIMITS, onCommit: (n) => commits.push(n), ...options });
  onTestFinished(() => mailbox.close());
  return { mailbox, path, commits };
}

/** A second connection to the same file: what it sees is what was committed. */
function outsideView(path: string): Database.Database {
  const db = new Database(path, { readonly: true });
  onTestFinished(() => void db.close());
  return db;
}

const idsOf = (mailbox: Mailbox, recipient: string): string[] => mailbox.pending(recipient, 0, 10_000).map((b) => b.id);

describe('Mailbox', () => {
  it('commits concurrent accepts together, and resolves each only once its group is committed', async () => {
    const { mailbox, path, commits } = await openMailbox();
    const outside = outsideView(path);
    const isCommitted = outside.prepare<[string], { n: number }>('SELECT count(*) AS n FROM blobs WHERE id = ?');
    const blobs = Array.from({ length: 200 }, () => blobFor(BOB));

    const resolvedCommitted = await Promise.all(
      blobs.map((blob) => mailbox.accept(blob).then((result) => ({ result, committed: isCommitted.get(blob.id)!.n }))),
    );

    expect(resolvedCommitted.every(({ result, committed }) => result.ok && result.added && committed === 1)).toBe(true);
    expect(commits).toEqual([200]); // one transaction, one fsync
    expect(idsOf(mailbox, BOB)).toEqual(blobs.map((b) => b.id));
  });

  it('groups what is queued after a commit into the next transaction, not one transaction each', async () => {
    const { mailbox, commits } = await openMailbox();
    const first = Array.from({ length: 50 }, () => mailbox.accept(blobFor(BOB)));
    // Each queued as its predecessor's answer arrives: the next turn commits all of them together.
    const second = first.map((accepted) => accepted.then(() => mailbox.accept(blobFor(BOB))));
    await Promise.all(await Promise.all(second));
    expect(commits).toEqual([50, 50]);
  });

  it('keeps one copy of a duplicate (recipient, id) and answers it like the first', async () => {
    const { mailbox } = await openMailbox();
    const blob = blobFor(BOB);
    const [first, sameGroup] = await Promise.all([mailbox.accept(blob), mailbox.accept({ ...blob, blob: randomBytes(7) })]);
    const later = await mailbox.accept(blob);
    expect(first).toMatchObject({ ok: true, added: true });
    expect(sameGroup).toEqual({ ...first, added: false });
    expect(later).toEqual({ ...first, added: false });
    expect(mailbox.pending(BOB, 0, 10).map((b) => b.blob)).toEqual([Buffer.from(blob.blob)]);
    // The same ID for another recipient is another message.
    expect(await mailbox.accept({ ...blob, recipient: CAROL })).toMatchObject({ ok: true, added: true });
  });

  it('refuses blobs over the count or byte quota of their recipient, counting its own group', async () => {
    const { mailbox } = await openMailbox({ limits: { ...LIMITS, mailboxMaxCount: 3, mailboxMaxBytes: 1_000 } });
    const byCount = await Promise.all(Array.from({ length: 5 }, () => mailbox.accept(blobFor(BOB, 10))));
    expect(byCount.map((r) => r.ok)).toEqual([true, true, true, false, false]);
    expect(byCount[3]).toEqual({ ok: false, code: 'quota_exceeded' });

    const bySize = await Promise.all([600, 400, 1].map((size) => mailbox.accept(blobFor(CAROL, size))));
    expect(bySize.map((r) => r.ok)).toEqual([true, true, false]);
    expect(idsOf(mailbox, BOB)).toHaveLength(3);
    expect(idsOf(mailbox, CAROL)).toHaveLength(2);

    // Acknowledging makes room again.
    await mailbox.ack(BOB, idsOf(mailbox, BOB)[0]!);
    expect(await mailbox.accept(blobFor(BOB, 10))).toMatchObject({ ok: true });
  });

  it('returns pending blobs oldest first, after a cursor, at most a limit', async () => {
    const { mailbox } = await openMailbox();
    const blobs = [blobFor(BOB), blobFor(CAROL), blobFor(BOB), blobFor(BOB)];
    for (const blob of blobs) await mailbox.accept(blob);
    const all = mailbox.pending(BOB, 0, 10);
    expect(all.map((b) => b.id)).toEqual([blobs[0]!.id, blobs[2]!.id, blobs[3]!.id]);
    expect(all[0]).toMatchObject({ sender: ALICE, blob: Buffer.from(blobs[0]!.blob) });
    expect(mailbox.pending(BOB, all[0]!.seq, 1).map((b) => b.id)).toEqual([blobs[2]!.id]);
  });

  it('deletes on ack only the acknowledging recipient’s own blob', async () => {
    const { mailbox } = await openMailbox();
    const forBob = blobFor(BOB);
    await mailbox.accept(forBob);
    expect(await mailbox.ack(CAROL, forBob.id)).toBe(false);
    expect(await mailbox.ack(BOB, newMessageId())).toBe(false);
    expect(idsOf(mailbox, BOB)).toEqual([forBob.id]);
    expect(await mailbox.ack(BOB, forBob.id)).toBe(true);
    expect(await mailbox.ack(BOB, forBob.id)).toBe(false);
    expect(idsOf(mailbox, BOB)).toEqual([]);
  });

  it('never returns an expired blob, and the sweeper deletes exactly the expired ones', async () => {
    const clock = manualClock();
    const { mailbox, path } = await openMailbox({ now: clock.now });
    const old = blobFor(BOB);
    const accepted = await mailbox.accept(old);
    expect(accepted).toEqual({ ok: true, added: true, expiresAt: clock.now() + LIMITS.mailboxTtlMs });
    clock.advance(LIMITS.mailboxTtlMs / 2);
    const young = blobFor(BOB);
    await mailbox.accept(young);

    clock.advance(LIMITS.mailboxTtlMs / 2); // `old` expires now
    expect(idsOf(mailbox, BOB)).toEqual([young.id]);
    const rows = outsideView(path).prepare('SELECT id FROM blobs');
    expect(rows.all()).toHaveLength(2); // hidden, but still there until swept
    expect(mailbox.sweep()).toBe(1);
    expect(rows.all()).toEqual([{ id: young.id }]);
    expect(mailbox.sweep(clock.now() + LIMITS.mailboxTtlMs)).toBe(1);
    expect(rows.all()).toEqual([]);
  });

  it('rejects every accept of a group whose transaction failed, and stores none of it', async () => {
    const { mailbox, path } = await openMailbox();
    const writer = new Database(path);
    writer.exec("CREATE TRIGGER fail BEFORE INSERT ON blobs WHEN NEW.size = 13 BEGIN SELECT RAISE(ABORT, 'disk on fire'); END");
    writer.close();
    const results = await Promise.allSettled([mailbox.accept(blobFor(BOB)), mailbox.accept(blobFor(BOB, 13))]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(idsOf(mailbox, BOB)).toEqual([]);
    expect(await mailbox.accept(blobFor(BOB))).toMatchObject({ ok: true }); // and it goes on
  });

  it('commits what is queued when closed, and keeps it across reopening', async () => {
    const { mailbox, path } = await openMailbox();
    const blob = blobFor(BOB);
    const accepted = mailbox.accept(blob);
    mailbox.close();
    expect(await accepted).toMatchObject({ ok: true });
    await expect(mailbox.accept(blobFor(BOB))).rejects.toThrow(/closed/);
    const reopened = new Mailbox(path, { limits: LIMITS });
    onTestFinished(() => reopened.close());
    expect(idsOf(reopened, BOB)).toEqual([blob.id]);
  });
});
