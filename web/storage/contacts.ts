import { db, type ContactRow } from './db.ts';
import type { PeerId } from '../protocol/ids.ts';

export const listContacts = (): Promise<ContactRow[]> => db.contacts.orderBy('addedAt').toArray();

export const getContact = (id: PeerId): Promise<ContactRow | undefined> => db.contacts.get(id);

/** Adds a contact; resolves false (and changes nothing) if it already exists. */
export function addContact(row: ContactRow): Promise<boolean> {
  return db.transaction('rw', db.contacts, async () => {
    if (await db.contacts.get(row.id)) return false;
    await db.contacts.add(row);
    return true;
  });
}

/** Applies a peer's self-asserted name unless the user chose the name. */
export function applyPeerName(id: PeerId, name: string): Promise<void> {
  return db.transaction('rw', db.contacts, async () => {
    const contact = await db.contacts.get(id);
    if (!contact || contact.nameSource === 'user' || contact.nameSource === 'invite') return;
    if (contact.name !== name || contact.nameSource !== 'peer') {
      await db.contacts.update(id, { name, nameSource: 'peer' });
    }
  });
}
