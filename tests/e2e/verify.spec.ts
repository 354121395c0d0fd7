import { expect, type Locator, type Page } from '@playwright/test';
import QRCode from 'qrcode';
import { generateIdentityKeys } from '../../web/crypto/identity.ts';
import { safetyNumber, safetyQrPayload } from '../../web/crypto/safety-number.ts';
import { parseInvite } from '../../web/protocol/invite.ts';
import type { PeerId } from '../../web/protocol/ids.ts';
import { fakeCamera } from '../fixtures/fake-camera.ts';
import { forgetSessions } from '../fixtures/reinstall.ts';
import { test } from '../fixtures/tincan.ts';
import type { Person } from '../fixtures/tincan.ts';
import { contactItem, introduce, inviteLinkOf, messageTexts, openChat, sendMessage } from '../fixtures/ui.ts';

// Verifying a contact: both people see the same safety number, and a scanned or uploaded code
// marks the contact verified only when it was made for exactly the keys this device has.

const verifyDialog = (page: Page) => page.getByRole('dialog', { name: 'Verify safety number' });

async function openVerify(person: Person): Promise<Locator> {
  await person.page.getByRole('button', { name: 'Verify safety number' }).click();
  const dialog = verifyDialog(person.page);
  await expect(dialog.getByRole('img', { name: 'Safety QR code' })).toBeVisible();
  return dialog;
}

/** The safety number as shown, groups separated by single spaces. */
async function shownNumber(dialog: Locator): Promise<string> {
  const number = dialog.getByLabel('Safety number', { exact: true });
  await expect(number).toHaveText(/\d{5}/);
  return (await number.textContent())!.trim().replace(/\s+/g, ' ');
}

async function idOf(person: Person): Promise<PeerId> {
  const invite = parseInvite(await inviteLinkOf(person));
  if ('error' in invite) throw new Error(invite.error);
  return invite.id;
}

/** The badge beside the name in the open conversation's header (with no dialog open). */
const headerBadge = (page: Page) => page.getByRole('main').getByRole('img', { name: 'Verified' });
const listBadge = (page: Page, name: string) => contactItem(page, name).getByRole('img', { name: 'Verified' });

/** Alice and Bob are contacts and have each sent the other a message, so both have a session. */
async function talking(alice: Person, bob: Person): Promise<void> {
  await introduce(alice, bob);
  await Promise.all([openChat(alice, 'Bob'), openChat(bob, 'Alice')]);
  await sendMessage(alice, 'hello Bob');
  await expect(messageTexts(bob.page)).toHaveText(['hello Bob']);
  await sendMessage(bob, 'hello Alice');
  await expect(messageTexts(alice.page)).toHaveText(['hello Bob', 'hello Alice']);
}

test('both see the same safety number, and Alice verifies Bob by uploading a picture of his code', async ({ people }) => {
  const [alice, bob] = await Promise.all([people.launch('Alice'), people.launch('Bob')]);
  await talking(alice, bob);
  const [aliceId, bobId] = [await idOf(alice), await idOf(bob)];

  const [aliceDialog, bobDialog] = await Promise.all([openVerify(alice), openVerify(bob)]);
  const number = await shownNumber(aliceDialog);
  expect(number).toMatch(/^(\d{5} ){11}\d{5}$/);
  expect(await shownNumber(bobDialog)).toBe(number);
  // It is the number of exactly these two keys.
  expect(number).toBe((await safetyNumber(aliceId, bobId)).join(' '));
  await expect(aliceDialog.getByRole('button', { name: 'Mark as verified' })).toBeVisible();

  // Alice takes a picture of Bob's screen and uploads it.
  const bobsCode = await bobDialog.getByRole('img', { name: 'Safety QR code' }).screenshot();
  await aliceDialog.getByLabel('Upload QR image').setInputFiles({ name: 'bob.png', mimeType: 'image/png', buffer: bobsCode });
  await expect(aliceDialog.getByRole('status')).toContainText('The codes match');
  await expect(aliceDialog.getByRole('alert')).toHaveCount(0);
  await expect(aliceDialog.getByRole('button', { name: 'Remove verification' })).toBeVisible();
  await alice.page.keyboard.press('Escape');
  await expect(aliceDialog).toBeHidden();

  await expect(headerBadge(alice.page)).toBeVisible();
  await expect(listBadge(alice.page, 'Bob')).toBeVisible();
  // The badge sits beside the contact's button: the button is still named by the name alone.
  await expect(alice.page.getByRole('list', { name: 'Contacts' }).getByRole('button', { name: 'Bob', exact: true })).toBeVisible();

  // Verifying is each person's own: Bob has not verified Alice. He does so after comparing aloud,
  // then takes it back.
  await expect(listBadge(bob.page, 'Alice')).toHaveCount(0);
  await bobDialog.getByRole('button', { name: 'Mark as verified' }).click();
  await expect(bobDialog.getByRole('status')).toContainText('Alice is marked as verified');
  await expect(listBadge(bob.page, 'Alice')).toBeVisible();
  await bobDialog.getByRole('button', { name: 'Remove verification' }).click();
  await expect(bobDialog.getByRole('button', { name: 'Mark as verified' })).toBeVisible();
  await expect(listBadge(bob.page, 'Alice')).toHaveCount(0);
});

test('a code made for other keys is refused as a possible interception and verifies nothing', async ({ people }) => {
  const [alice, bob] = await Promise.all([people.launch('Alice'), people.launch('Bob')]);
  await talking(alice, bob);
  const bobId = await idOf(bob);

  // What Bob's device would show if the server had given it Eve's key as Alice's.
  const eve = await generateIdentityKeys();
  const forged = await QRCode.toBuffer(await safetyQrPayload(bobId, eve.id), { margin: 3, width: 248 });
  const dialog = await openVerify(alice);
  await dialog.getByLabel('Upload QR image').setInputFiles({ name: 'code.png', mimeType: 'image/png', buffer: forged });
  const alert = dialog.getByRole('alert');
  await expect(alert).toContainText('The safety numbers do not match');
  await expect(alert).toContainText('intercepting');
  await expect(dialog.getByRole('status')).toHaveText('');
  await expect(dialog.getByRole('button', { name: 'Mark as verified' })).toBeVisible();

  // A picture with no code in it (here: the digits) says so, and verifies nothing either.
  const digits = await dialog.getByLabel('Safety number', { exact: true }).screenshot();
  await dialog.getByLabel('Upload QR image').setInputFiles({ name: 'digits.png', mimeType: 'image/png', buffer: digits });
  await expect(alert).toContainText('No QR code was found');

  await alice.page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(headerBadge(alice.page)).toHaveCount(0);
  await expect(listBadge(alice.page, 'Bob')).toHaveCount(0);
});

test('a verified contact starting a new session is no longer verified', async ({ people }) => {
  const [alice, bob] = await Promise.all([people.launch('Alice'), people.launch('Bob')]);
  await talking(alice, bob);
  const dialog = await openVerify(alice);
  await dialog.getByRole('button', { name: 'Mark as verified' }).click();
  await alice.page.keyboard.press('Escape');
  await expect(listBadge(alice.page, 'Bob')).toBeVisible();

  // Bob's device starts over with the same identity (or someone else has his key).
  await forgetSessions(bob.page);
  await bob.page.reload();
  await openChat(bob, 'Alice');
  await sendMessage(bob, 'from a new session');

  await expect(messageTexts(alice.page)).toHaveText(['hello Bob', 'hello Alice', 'from a new session']);
  await expect(alice.page.getByRole('alert').filter({ hasText: 'Bob started a new secure session' }).first()).toBeVisible();
  await expect(listBadge(alice.page, 'Bob')).toHaveCount(0);
  await expect(headerBadge(alice.page)).toHaveCount(0);
  await expect((await openVerify(alice)).getByRole('button', { name: 'Mark as verified' })).toBeVisible();
});

test('Alice verifies Bob by pointing her camera at his code', async ({ people, server }, testInfo) => {
  const camera = fakeCamera(testInfo.outputDir);
  const [alice, bob] = await Promise.all([people.launch('Alice', undefined, camera.browser), people.launch('Bob')]);
  await alice.page.context().grantPermissions(['camera'], { origin: server.url });
  await talking(alice, bob);

  const bobDialog = await openVerify(bob);
  await camera.show(bobDialog.getByRole('img', { name: 'Safety QR code' }));
  const dialog = await openVerify(alice);
  await dialog.getByRole('button', { name: 'Scan code' }).click();
  await expect(dialog.getByRole('status')).toContainText('The codes match');
  await expect(dialog.getByRole('alert')).toHaveCount(0);
  // The camera is released once the code is read.
  await expect(dialog.getByRole('button', { name: 'Scan code' })).toBeVisible();
  await alice.page.keyboard.press('Escape');
  await expect(listBadge(alice.page, 'Bob')).toBeVisible();
});
