import { expect } from '@playwright/test';
import { test } from '../fixtures/tincan.ts';
import { addContact, contactItem, createIdentity, inviteLinkOf } from '../fixtures/ui.ts';

test('bad contact input is refused with a reason and adds nothing', async ({ people }) => {
  const [alice, bob] = await Promise.all([people.launch('Alice'), people.launch('Bob')]);
  await Promise.all([createIdentity(alice), createIdentity(bob)]);
  const aliceLink = await inviteLinkOf(alice);
  const aliceId = new URLSearchParams(new URL(aliceLink).hash.slice(1)).get('invite')!;
  await addContact(bob, aliceLink);

  const { page } = bob;
  const contacts = page.getByRole('list', { name: 'Contacts' }).getByRole('listitem');
  await expect(contacts).toHaveCount(1);
  await page.getByRole('button', { name: 'Add contact' }).click();
  const dialog = page.getByRole('dialog', { name: 'Add contact' });
  const input = dialog.getByRole('textbox', { name: 'Invite link or ID' });
  const cases: [string, RegExp][] = [
    [aliceId.slice(0, 40), /43 characters/],
    [`${aliceId.slice(0, 42)}!`, /letters, digits/],
    [`${aliceId.slice(0, 42)}B`, /damaged/],
    ['https://example.com/#foo=bar', /not a Tincan invite/],
    [aliceLink, /already in your contacts/],
    [aliceId, /already in your contacts/],
  ];
  for (const [value, reason] of cases) {
    await input.fill(value);
    await dialog.getByRole('button', { name: 'Add' }).click();
    await expect(dialog.getByRole('alert')).toHaveText(reason);
  }
  // Your own ID.
  await page.keyboard.press('Escape');
  const bobLink = await inviteLinkOf(bob);
  await page.getByRole('button', { name: 'Add contact' }).click();
  await input.fill(bobLink);
  await dialog.getByRole('button', { name: 'Add' }).click();
  await expect(dialog.getByRole('alert')).toHaveText(/your own ID/);
  await page.keyboard.press('Escape');

  await expect(contacts).toHaveCount(1);
});

test('opening an invite link offers to add that contact, and presence follows them', async ({ people }) => {
  const [alice, bob] = await Promise.all([people.launch('Alice'), people.launch('Bob')]);
  await Promise.all([createIdentity(alice), createIdentity(bob)]);
  const aliceLink = await inviteLinkOf(alice);

  await bob.page.goto(aliceLink);
  const dialog = bob.page.getByRole('dialog', { name: 'Add contact' });
  await expect(dialog).toContainText('Alice');
  await expect(dialog.getByRole('textbox', { name: 'Invite link or ID' })).toHaveValue(aliceLink);
  await dialog.getByRole('button', { name: 'Add' }).click();
  await expect(contactItem(bob.page, 'Alice')).toContainText('online');

  await people.close(alice);
  await expect(contactItem(bob.page, 'Alice')).toContainText('offline');
});
