import { db, type IdentityRow } from './db.ts';
import type { IdentityKeys } from '../crypto/identity.ts';

export const loadIdentity = (): Promise<IdentityRow | undefined> => db.identity.get('self');

export async function saveIdentity(keys: IdentityKeys, name: string): Promise<IdentityRow> {
  const row: IdentityRow = { key: 'self', ...keys, name, createdAt: Date.now() };
  await db.identity.put(row);
  return row;
}
