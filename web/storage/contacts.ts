import { db, type ContactRow } from './db.ts';
import { shortId, type PeerId } from '../protocol/ids.ts';

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

/**
 * Records a peer's self-asserted name, and shows it unless the user chose the name (typed it,
 * or took it from an invite): a rename sticks, and the received name is kept beside it.
 */
export function applyPeerName(id: PeerId, name: string): Promise<void> {
  return db.transaction('rw', db.contacts, async () => {
    const contact = await db.contacts.get(id);
    if (!contact) return;
    const chosen = contact.nameSource === 'user' || contact.nameSource === 'invite';
    const update: Partial<ContactRow> = chosen ? { peerName: name } : { peerName: name, name, nameSource: 'peer' };
    if (Object.entries(update).some(([key, value]) => contact[key as keyof ContactRow] !== value)) await db.contacts.update(id, update);
  });
}

/** The user named the contact: the name stays until they rename them again. */
export async function renameContact(id: PeerId, name: string): Promise<void> {
  await db.contacts.update(id, { name, nameSource: 'user' });
}

/** The user goes back to the name the contact gives itself (which then follows their profile). */
export async function usePeerName(id: PeerId): Promise<void> {
  await db.transaction('rw', db.contacts, async () => {
    const contact = await db.contacts.get(id);
    if (contact?.peerName) await db.contacts.update(id, { name: contact.peerName, nameSource: 'peer' });
  });
}

/** Blocks or unblocks the contact (see ContactRow.blocked). */
export async function setBlocked(id: PeerId, blocked: boolean): Promise<void> {
  await db.contacts.where('id').equals(id).modify((contact) => {
    if (blocked) contact.blocked = true;
    else delete contact.blocked;
  });
}

export const isBlocked = async (id: PeerId): Promise<boolean> => (await db.contacts.get(id))?.blocked === true;

/**
 * Someone we have not added sent us something that opened: keep them as a contact. The name is a
 * placeholder until their profile frame arrives. Runs inside the caller's transaction if any.
 */
export function addUnknownContact(id: PeerId, now: number): Promise<void> {
  return db.transaction('rw', db.contacts, async () => {
    if (await db.contacts.get(id)) return;
    await db.contacts.add({ id, name: `Unknown ${shortId(id)}`, nameSource: 'unknown', addedAt: now });
  });
}

/**
 * A new session from the contact replaced a working one: hold sending until the user has seen it.
 * The same update drops their verification. Their key is still the one the peer ID names, but a
 * new session over a working one means they reinstalled and restored that key, or someone else
 * now holds it; what the two people compared no longer says which, so they must compare again.
 */
export async function markSessionChanged(id: PeerId, at: number): Promise<void> {
  await db.contacts.where('id').equals(id).modify((contact) => {
    contact.sessionChangedAt = at;
    delete contact.verified;
  });
}

/**
 * The user compared safety numbers with this contact (or undid that). The flag belongs to the
 * contact's key: the peer ID is their identity key, so it holds for this ID until a session
 * change (above) clears it.
 */
export async function setVerified(id: PeerId, verified: boolean): Promise<void> {
  await db.contacts.where('id').equals(id).modify((contact) => {
    if (verified) contact.verified = true;
    else delete contact.verified;
  });
}

/** The user has seen the session change and chose to go on. */
export async function acknowledgeSessionChange(id: PeerId): Promise<void> {
  await db.contacts.where('id').equals(id).modify((contact) => {
    delete contact.sessionChangedAt;
  });
}

/**
 * Whether sending to this contact is on hold: until the user acknowledges a session change, or
 * while the contact is blocked. Messages written before stay in the outbox and go afterwards.
 */
export async function sendingHeld(id: PeerId): Promise<boolean> {
  const contact = await db.contacts.get(id);
  return contact?.sessionChangedAt !== undefined || contact?.blocked === true;
}
