import { db, type PrekeyRow } from './db.ts';
import { yieldToMain } from '../main-thread.ts';
import type { OneTimePrekeyPair, SignedPrekeyPair } from '../crypto/prekeys.ts';

// This device's own X3DH prekeys, private halves included. They are stored before their public
// halves are published, so the server never hands out a key this device cannot answer.

/** Prekeys by ID, as the initial messages of a batch name them. */
export interface PrekeysById {
  signed: Map<number, SignedPrekeyPair>;
  oneTime: Map<number, OneTimePrekeyPair>;
}

/**
 * The prekeys a batch of initial messages names, read in one request. One read per batch rather
 * than per message matters inside a transaction: Dexie keeps its transaction across a bounded
 * number of native awaits only, and a burst of first messages (each carries the X3DH header until
 * a reply) would otherwise exceed it and let IndexedDB commit the transaction early.
 */
export async function getPrekeys(signedIds: number[], oneTimeIds: number[]): Promise<PrekeysById> {
  const keys: [PrekeyRow['kind'], number][] = [
    ...[...new Set(signedIds)].map((id) => ['signed', id] as [PrekeyRow['kind'], number]),
    ...[...new Set(oneTimeIds)].map((id) => ['one-time', id] as [PrekeyRow['kind'], number]),
  ];
  const found: PrekeysById = { signed: new Map(), oneTime: new Map() };
  for (const row of keys.length > 0 ? await db.prekeys.bulkGet(keys) : []) {
    if (row?.kind === 'signed') found.signed.set(row.id, row);
    else if (row?.kind === 'one-time') found.oneTime.set(row.id, row);
  }
  return found;
}

/** One-time prekeys are used once: deleted in the transaction that stores the sessions they started. */
export const deleteOneTimePrekeys = (ids: number[]): Promise<void> => db.prekeys.bulkDelete(ids.map((id) => ['one-time', id] as const));

/** The signed prekey published last (the newest), if any. */
export async function newestSignedPrekey(): Promise<SignedPrekeyPair | undefined> {
  const signed = await db.prekeys.where('kind').equals('signed').toArray();
  return signed.filter((k) => k.kind === 'signed').sort((a, b) => b.createdAt - a.createdAt)[0];
}

export const oneTimePrekeyIds = async (): Promise<number[]> =>
  (await db.prekeys.where('kind').equals('one-time').primaryKeys()).map(([, id]) => id);

/** Rows written per transaction by storePrekeys. */
const ROWS_PER_WRITE = 25;

/**
 * Stores new prekeys, a few rows per transaction: the page serializes each row on its main thread,
 * and a full batch at once is a long task on a phone. The signed prekey goes in the last write.
 * Until it is stored, this device counts as never having published (PrekeyPublisher.publish), so
 * a write cut short is simply made again; the one-time prekeys it had stored stay unpublished.
 */
export async function storePrekeys(signed: SignedPrekeyPair | null, oneTime: OneTimePrekeyPair[]): Promise<void> {
  const rows: PrekeyRow[] = oneTime.map((k) => ({ kind: 'one-time' as const, ...k, createdAt: Date.now() }));
  if (signed) rows.push({ kind: 'signed', ...signed });
  for (let start = 0; start < rows.length; start += ROWS_PER_WRITE) {
    if (start > 0) await yieldToMain();
    await db.prekeys.bulkPut(rows.slice(start, start + ROWS_PER_WRITE));
  }
}

/** Deletes signed prekeys created before `before`, except the newest (which is still published). */
export async function deleteSignedPrekeysBefore(before: number): Promise<void> {
  await db.transaction('rw', db.prekeys, async () => {
    const newest = await newestSignedPrekey();
    const old = await db.prekeys.where('kind').equals('signed').filter((k) => k.createdAt < before && k.id !== newest?.id).primaryKeys();
    await db.prekeys.bulkDelete(old);
  });
}
