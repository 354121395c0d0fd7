import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import { acknowledgeSessionChange, addContact, getContact, markSessionChanged, sendingHeld, setVerified } from '../../web/storage/contacts.ts';
import { toBase64Url } from '../../web/protocol/encoding.ts';
import { db } from '../../web/storage/db.ts';

// A contact's "verified" flag (fake-indexeddb stands in for the browser's IndexedDB here).

const bob = toBase64Url(new Uint8Array(32).fill(2));

beforeEach(async () => {
  await Promise.all(db.tables.map((t) => t.clear()));
  await addContact({ id: bob, name: 'Bob', nameSource: 'invite', addedAt: 1000 });
});

describe('contact verification', () => {
  it('is set and removed by the user', async () => {
    await setVerified(bob, true);
    expect((await getContact(bob))?.verified).toBe(true);
    await setVerified(bob, false);
    expect(await getContact(bob)).not.toHaveProperty('verified');
  });

  it('is dropped by a session change, in the same update that holds sending', async () => {
    await setVerified(bob, true);
    await markSessionChanged(bob, 5000);
    const contact = await getContact(bob);
    expect(contact).not.toHaveProperty('verified');
    expect(contact?.sessionChangedAt).toBe(5000);
    expect(await sendingHeld(bob)).toBe(true);
    // Going on with sending does not bring the verification back: only comparing again does.
    await acknowledgeSessionChange(bob);
    expect(await getContact(bob)).toEqual({ id: bob, name: 'Bob', nameSource: 'invite', addedAt: 1000 });
  });

  it('of an unknown peer changes nothing', async () => {
    const carol = toBase64Url(new Uint8Array(32).fill(3));
    await setVerified(carol, true);
    expect(await getContact(carol)).toBeUndefined();
  });
});
