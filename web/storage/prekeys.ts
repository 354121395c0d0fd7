import { db, type PrekeyRow } from './db.ts';
import type { OneTimePrekeyPair, SignedPrekeyPair } from '../crypto/prekeys.ts';

// This device's own X3DH prekeys, private halves included. They are stored before their public
// halves are published, so the server never hands out a key this device cannot answer.

export async function getSignedPrekey(id: number): Promise<SignedPrekeyPair | undefined> {
  const row = await db.prekeys.get(['signed', id]);
  return row?.kind === 'signed' ? row : undefined;
}

export async function getOneTimePrekey(id: number): Promise<OneTimePrekeyPair | undefined> {
  const row = await db.prekeys.get(['one-time', id]);
  return row?.kind === 'one-time' ? row : undefined;
}

/** A one-time prekey is used once: deleted in the transaction that stores the session it started. */
export const deleteOneTimePrekey = (id: number): Promise<void> => db.prekeys.delete(['one-time', id]);

/** The signed prekey published last (the newest), if any. */
export async function newestSignedPrekey(): Promise<SignedPrekeyPair | undefined> {
  const signed = await db.prekeys.where('kind').equals('signed').toArray();
  return signed.filter((k) => k.kind === 'signed').sort((a, b) => b.createdAt - a.createdAt)[0];
}

export const oneTimePrekeyIds = async (): Promise<number[]> =>
  (await db.prekeys.where('kind').equals('one-time').primaryKeys()).map(([, id]) => id);

export async function storePrekeys(signed: SignedPrekeyPair | null, oneTime: OneTimePrekeyPair[]): Promise<void> {
  const rows: PrekeyRow[] = oneTime.map((k) => ({ kind: 'one-time' as const, ...k, createdAt: Date.now() }));
  if (signed) rows.push({ kind: 'signed', ...signed });
  await db.prekeys.bulkPut(rows);
}

/** Deletes signed prekeys created before `before`, except the newest (which is still published). */
export async function deleteSignedPrekeysBefore(before: number): Promise<void> {
  await db.transaction('rw', db.prekeys, async () => {
    const newest = await newestSignedPrekey();
    const old = await db.prekeys.where('kind').equals('signed').filter((k) => k.createdAt < before && k.id !== newest?.id).primaryKeys();
    await db.prekeys.bulkDelete(old);
  });
}
