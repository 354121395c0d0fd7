import { expect } from '@playwright/test';
import type { ConversationRow } from '../../web/storage/db.ts';
import { fakeCamera } from '../fixtures/fake-camera.ts';
import { storedRows, storedTexts } from '../fixtures/idb.ts';
import { peerConnectionCount } from '../fixtures/peer-connection-spy.ts';
import { test, type Person } from '../fixtures/tincan.ts';
import {
  contactItem,
  converse,
  createIdentity,
  introduce,
  messageItems,
  messageTexts,
  openChat,
  openContactDetails,
  sendMessage,
} from '../fixtures/ui.ts';

// Managing contacts: a name of one's own for them, blocking, and adding someone by scanning the
// invite QR code on their screen.

const heading = (person: Person, name: string) => person.page.getByRole('main').getByRole('heading', { name, exact: true });

test('a name given to a contact stays over their profile and across a reload', async ({ people }) => {
  const [alice, bob] = await Promise.all([people.launch('Alice'), people.launch('Bob')]);
  await introduce(alice, bob);
  await openChat(alice, 'Bob');

  // All from the keyboard: the details button, the name field, Enter to rename.
  let dialog = await openContactDetails(alice);
  const field = dialog.getByRole('textbox', { name: 'Contact name' });
  await expect(field).toHaveValue('Bob');
  await field.fill('Bobby (work)');
  await field.press('Enter');
  await expect(dialog.getByRole('status')).toHaveText('Renamed to Bobby (work).');
  await alice.page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(contactItem(alice.page, 'Bobby (work)')).toBeVisible();
  await expect(heading(alice, 'Bobby (work)')).toBeVisible();

  // Bob's profile frame ("Bob") comes when his session starts and when a channel opens.
  await sendMessage(alice, 'hello');
  await openChat(bob, 'Alice');
  await expect(messageTexts(bob.page)).toHaveText(['hello']);
  await sendMessage(bob, 'hi');
  await expect(messageTexts(alice.page)).toHaveText(['hello', 'hi']);
  dialog = await openContactDetails(alice);
  await expect(dialog).toContainText('They call themselves Bob.');
  await alice.page.keyboard.press('Escape');
  await expect(heading(alice, 'Bobby (work)')).toBeVisible();

  await alice.page.reload();
  await expect(contactItem(alice.page, 'Bobby (work)')).toBeVisible();
  await openChat(alice, 'Bobby (work)');
  dialog = await openContactDetails(alice);
  await expect(dialog.getByRole('textbox', { name: 'Contact name' })).toHaveValue('Bobby (work)');
  // An empty name is refused; going back to theirs is one button.
  await dialog.getByRole('textbox', { name: 'Contact name' }).fill('  ');
  await dialog.getByRole('button', { name: 'Rename' }).click();
  await expect(dialog.getByRole('alert')).toHaveText('Type a name for the contact.');
  await dialog.getByRole('button', { name: 'Use their name' }).click();
  await expect(dialog.getByRole('textbox', { name: 'Contact name' })).toHaveValue('Bob');
  await alice.page.keyboard.press('Escape');
  await expect(contactItem(alice.page, 'Bob')).toBeVisible();
  await expect(heading(alice, 'Bob')).toBeVisible();
});

test('a blocked contact’s messages are discarded unread; after an unblock new ones arrive again', async ({ people }) => {
  const [alice, bob] = await Promise.all([people.launch('Alice'), people.launch('Bob')]);
  await introduce(alice, bob);
  await converse(alice, bob, 'hello', 'hi');

  const dialog = await openContactDetails(alice);
  await dialog.getByRole('button', { name: 'Block' }).click();
  await expect(dialog.getByRole('status')).toHaveText('Bob is blocked.');
  await expect(dialog.getByRole('button', { name: 'Unblock' })).toBeVisible();
  await alice.page.keyboard.press('Escape');
  await expect(contactItem(alice.page, 'Bob')).toContainText('blocked');
  // Nothing can be written to Bob while he is blocked.
  await expect(alice.page.getByRole('textbox', { name: 'Message' })).toHaveCount(0);
  const aliceConnections = await alice.page.evaluate(peerConnectionCount);
  const bobConnections = await bob.page.evaluate(peerConnectionCount);

  await sendMessage(bob, 'while blocked 1');
  await sendMessage(bob, 'while blocked 2');
  // They reach Alice's device, which opens them and keeps only their numbers (Bob's 2 and 3).
  await expect.poll(async () => (await storedRows<ConversationRow>(alice.page, 'conversations')).map((c) => c.discarded)).toEqual([[[2, 3]]]);
  expect((await storedTexts(alice.page)).sort()).toEqual(['hello', 'hi']);
  await expect(messageTexts(alice.page)).toHaveText(['hello', 'hi']);
  await expect(messageItems(bob.page).getByRole('img', { name: 'Sent' })).toHaveCount(2);
  // Bob's browser keeps trying to open a channel; Alice's never answers one.
  await expect.poll(() => bob.page.evaluate(peerConnectionCount)).toBeGreaterThan(bobConnections);
  expect(await alice.page.evaluate(peerConnectionCount)).toBe(aliceConnections);

  await alice.page.getByRole('button', { name: 'Unblock' }).click();
  await expect(alice.page.getByRole('textbox', { name: 'Message' })).toBeVisible();
  await expect(contactItem(alice.page, 'Bob')).not.toContainText('blocked');
  // Alice's device says what it holds; Bob sends the two again, and they are discarded again,
  // this time with a receipt, which ends his retries.
  await expect(messageItems(bob.page).nth(2).getByRole('img', { name: 'Delivered' })).toBeVisible();
  await expect(messageItems(bob.page).nth(3).getByRole('img', { name: 'Delivered' })).toBeVisible();
  await sendMessage(bob, 'after the unblock');
  await expect(messageTexts(alice.page)).toHaveText(['hello', 'hi', 'after the unblock']);
  await sendMessage(alice, 'welcome back');
  await expect(messageTexts(bob.page)).toHaveText(['hello', 'hi', 'while blocked 1', 'while blocked 2', 'after the unblock', 'welcome back']);

  await alice.page.reload();
  await openChat(alice, 'Bob');
  await expect(messageTexts(alice.page)).toHaveText(['hello', 'hi', 'after the unblock', 'welcome back']);
  expect((await storedTexts(alice.page)).sort()).toEqual(['after the unblock', 'hello', 'hi', 'welcome back']);
});

test('uploading a picture of someone’s invite QR code adds them', async ({ people }) => {
  const [alice, bob] = await Promise.all([people.launch('Alice'), people.launch('Bob')]);
  await Promise.all([createIdentity(alice), createIdentity(bob)]);
  await bob.page.getByRole('button', { name: 'Share invite' }).click();
  const share = bob.page.getByRole('dialog', { name: 'Share invite' });
  const code = await share.getByRole('img', { name: 'Invite QR code' }).screenshot();
  const noCode = await share.getByRole('textbox', { name: 'Invite link' }).screenshot();

  await alice.page.getByRole('button', { name: 'Add contact' }).click();
  const dialog = alice.page.getByRole('dialog', { name: 'Add contact' });
  await dialog.getByLabel('Upload QR image').setInputFiles({ name: 'link.png', mimeType: 'image/png', buffer: noCode });
  await expect(dialog.getByRole('alert')).toHaveText(/No QR code was found/);
  await expect(alice.page.getByRole('list', { name: 'Contacts' }).getByRole('listitem')).toHaveCount(0);

  await dialog.getByLabel('Upload QR image').setInputFiles({ name: 'bob.png', mimeType: 'image/png', buffer: code });
  await expect(dialog).toBeHidden();
  await expect(contactItem(alice.page, 'Bob')).toContainText('online');
});

test('pointing the camera at someone’s invite QR code adds them', async ({ people, server }, testInfo) => {
  const camera = fakeCamera(testInfo.outputDir);
  const [alice, bob] = await Promise.all([people.launch('Alice', undefined, camera.browser), people.launch('Bob')]);
  await alice.page.context().grantPermissions(['camera'], { origin: server.url });
  await Promise.all([createIdentity(alice), createIdentity(bob)]);
  await bob.page.getByRole('button', { name: 'Share invite' }).click();
  await camera.show(bob.page.getByRole('dialog', { name: 'Share invite' }).getByRole('img', { name: 'Invite QR code' }));

  await alice.page.getByRole('button', { name: 'Add contact' }).click();
  const dialog = alice.page.getByRole('dialog', { name: 'Add contact' });
  await dialog.getByRole('button', { name: 'Scan code' }).click();
  await expect(dialog).toBeHidden();
  await expect(contactItem(alice.page, 'Bob')).toContainText('online');
});
