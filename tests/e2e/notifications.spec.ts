import { expect, type Page } from '@playwright/test';
import { clickNewestNotification, permissionRequests, recordNotifications, shownNotifications } from '../fixtures/notification-spy.ts';
import { generateIdentityKeys } from '../../web/crypto/identity.ts';
import { test } from '../fixtures/real-visibility.ts';
import { addContact, contactItem, createIdentity, introduce, messageItems, messageTexts, openChat, pathStatus, sendMessage } from '../fixtures/ui.ts';

// What a person hears about while not looking: system notifications (in a browser whose tab
// really is hidden, see fixtures/real-visibility.ts), the unread count in the tab title, the
// contact's "is typing…", and read receipts that the reader can switch off.

const observeNotifications = async (page: Page): Promise<void> => void (await page.addInitScript(recordNotifications));
const notifications = (page: Page) => page.evaluate(shownNotifications);
const typingStatus = (page: Page) => page.getByRole('status').filter({ hasText: /is typing…$/ });

/** Opens Settings, sets a checkbox from the keyboard, closes Settings. */
async function setSetting(page: Page, name: string, on: boolean): Promise<void> {
  await page.getByRole('button', { name: 'Settings' }).click();
  const dialog = page.getByRole('dialog', { name: 'Settings' });
  const box = dialog.getByRole('checkbox', { name });
  if ((await box.isChecked()) !== on) await box.press('Space');
  await expect(box).toBeChecked({ checked: on });
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
}

test('a message to a hidden tab notifies; the title counts unread; the notification opens the chat', async ({ people, tabbed, appUrl }) => {
  const [alice, bob] = await Promise.all([people.launch('Alice'), tabbed('Bob', observeNotifications)]);
  await introduce(alice, bob);

  // Nothing asked on load: the offer waits on the main screen for a click.
  const offer = bob.page.getByRole('region', { name: 'Notifications' });
  await expect(offer.getByRole('button', { name: 'Enable notifications' })).toBeVisible();
  // Bob allows notifications for the site in the browser instead (headless Chromium cannot show
  // its own permission question, see the last test); the offer has nothing left to ask.
  await bob.context.grantPermissions(['notifications'], { origin: appUrl });
  await expect(offer).toBeHidden();
  expect(await bob.page.evaluate(permissionRequests)).toBe(0);

  await expect(bob.page).toHaveTitle('Tincan');
  await bob.hideTab();
  await openChat(alice, 'Bob');
  await sendMessage(alice, 'Are you there?');
  await expect.poll(() => notifications(bob.page)).toEqual([{ title: 'Alice', body: 'Are you there?', tag: expect.stringContaining('tincan-conversation-') }]);
  await expect(bob.page).toHaveTitle('(1) Tincan');
  await expect(contactItem(bob.page, 'Alice')).toContainText('1 unread');

  await sendMessage(alice, 'Hello?');
  await expect.poll(async () => (await notifications(bob.page)).map((n) => n.body)).toEqual(['Are you there?', 'Hello?']);
  const [first, second] = await notifications(bob.page);
  expect(second!.tag).toBe(first!.tag); // one per conversation: the second replaces the first
  await expect(bob.page).toHaveTitle('(2) Tincan');

  // The notification opens Alice's conversation; back in front, Bob reads it.
  await bob.page.evaluate(clickNewestNotification);
  await expect(bob.page.getByRole('list', { name: 'Contacts' }).getByRole('button', { name: 'Alice', exact: true })).toHaveAttribute('aria-current', 'true');
  await bob.showTab();
  await expect(messageTexts(bob.page)).toHaveText(['Are you there?', 'Hello?']);
  await expect(bob.page).toHaveTitle('Tincan');
  await expect(contactItem(bob.page, 'Alice')).not.toContainText('unread');
  await expect(messageItems(alice.page).getByRole('img', { name: 'Read' })).toHaveCount(2);
});

test('no notification while the conversation is on screen, nor when switched off', async ({ people, tabbed, appUrl }) => {
  const [alice, bob] = await Promise.all([people.launch('Alice'), tabbed('Bob', observeNotifications)]);
  await introduce(alice, bob);
  await bob.context.grantPermissions(['notifications'], { origin: appUrl });
  await Promise.all([openChat(bob, 'Alice'), openChat(alice, 'Bob')]);

  expect(await bob.page.evaluate(() => [document.visibilityState, document.hasFocus()])).toEqual(['visible', true]);
  await sendMessage(alice, 'You are looking at this');
  await expect(messageTexts(bob.page)).toHaveText(['You are looking at this']);
  // Read on screen: Bob's receipt came back, so his app has long handled the message.
  await expect(messageItems(alice.page).getByRole('img', { name: 'Read' })).toHaveCount(1);

  await setSetting(bob.page, 'Show notifications', false);
  await bob.hideTab();
  await sendMessage(alice, 'Switched off');
  await expect(bob.page).toHaveTitle('(1) Tincan');
  await bob.showTab();
  await expect(messageItems(alice.page).getByRole('img', { name: 'Read' })).toHaveCount(2);

  await setSetting(bob.page, 'Show notifications', true);
  await bob.hideTab();
  await sendMessage(alice, 'Switched on');
  // The first notification recorded is for the third message: none came for the other two.
  await expect.poll(() => notifications(bob.page)).toEqual([{ title: 'Alice', body: 'Switched on', tag: expect.any(String) }]);

  // Texts kept off the screen: the notification says only that a message came.
  await bob.showTab();
  await setSetting(bob.page, 'Show message text in notifications', false);
  await bob.hideTab();
  await sendMessage(alice, 'A secret');
  await expect.poll(async () => (await notifications(bob.page)).map((n) => n.body)).toEqual(['Switched on', 'New message']);
});

test('"is typing…" shows for the contact while someone types, and goes when they stop or send', async ({ people }) => {
  const [alice, bob] = await Promise.all([people.launch('Alice'), people.launch('Bob')]);
  await introduce(alice, bob);
  await Promise.all([openChat(alice, 'Bob'), openChat(bob, 'Alice')]);
  // Typing goes over the data channel only: wait for it.
  await Promise.all([expect(pathStatus(alice.page)).toContainText('Direct'), expect(pathStatus(bob.page)).toContainText('Direct')]);
  // The first message starts the end-to-end session (typing frames never start one).
  await sendMessage(alice, 'hi');
  await expect(messageTexts(bob.page)).toHaveText(['hi']);

  await expect(typingStatus(bob.page)).toHaveCount(0);
  await alice.page.getByRole('textbox', { name: 'Message' }).pressSequentially('I am wri');
  await expect(typingStatus(bob.page)).toHaveText('Alice is typing…');
  // Alice stops: it expires on its own (CLIENT_TIMING.typingShownMs).
  await expect(typingStatus(bob.page)).toHaveCount(0, { timeout: 15_000 });
  await expect(typingStatus(alice.page)).toHaveCount(0); // Bob never typed

  // Typing again puts it back; the message it was for takes it down as it arrives.
  await alice.page.getByRole('textbox', { name: 'Message' }).pressSequentially('ting');
  await expect(typingStatus(bob.page)).toHaveText('Alice is typing…');
  await alice.page.getByRole('textbox', { name: 'Message' }).press('Enter');
  await expect(messageTexts(bob.page)).toHaveText(['hi', 'I am writing']);
  expect(await typingStatus(bob.page).count()).toBe(0);
});

test('with read receipts off, the sender sees Delivered and never Read; on again, Read comes', async ({ people }) => {
  const [alice, bob] = await Promise.all([people.launch('Alice'), people.launch('Bob')]);
  await introduce(alice, bob);
  await setSetting(bob.page, 'Send read receipts', false);

  await openChat(alice, 'Bob');
  await sendMessage(alice, 'read quietly');
  await openChat(bob, 'Alice');
  await expect(messageTexts(bob.page)).toHaveText(['read quietly']);
  // Bob has read it on his side: nothing is unread any more.
  await expect(bob.page).toHaveTitle('Tincan');
  await expect(contactItem(bob.page, 'Alice')).not.toContainText('unread');
  const quiet = messageItems(alice.page).filter({ hasText: 'read quietly' });
  await expect(quiet.getByRole('img', { name: 'Delivered' })).toBeVisible();

  // For comparison: with receipts on, a later message read the same way does become Read. Its
  // receipt travels after any the first one could have had, so by then that one would be in.
  await setSetting(bob.page, 'Send read receipts', true);
  await sendMessage(alice, 'read openly');
  await expect(messageTexts(bob.page)).toHaveText(['read quietly', 'read openly']);
  await expect(messageItems(alice.page).filter({ hasText: 'read openly' }).getByRole('img', { name: 'Read' })).toBeVisible();
  await expect(quiet.getByRole('img', { name: 'Delivered' })).toBeVisible();
});

test('a browser that refuses notifications gets an explanation, not a silent button (Settings)', async ({ people }) => {
  const bob = await people.launch('Bob', observeNotifications);
  await createIdentity(bob);
  await bob.page.getByRole('button', { name: 'Settings' }).click();
  const settings = bob.page.getByRole('dialog', { name: 'Settings' });
  expect(await bob.page.evaluate(permissionRequests)).toBe(0);
  // Headless Chromium answers a permission request it cannot show with "denied".
  await settings.getByRole('button', { name: 'Enable notifications' }).click();
  await expect(settings.getByRole('alert')).toContainText(
    "Notifications are blocked for Tincan in this browser. To get them, allow notifications for this site in the browser's site settings",
  );
  await expect(settings.getByRole('button', { name: 'Enable notifications' })).toHaveCount(0);
  await expect(settings.getByRole('checkbox', { name: 'Show notifications' })).toHaveCount(0);
  expect(await bob.page.evaluate(permissionRequests)).toBe(1);
});

test('the main screen offers notifications once there is a contact, and explains a refusal', async ({ people }) => {
  const bob = await people.launch('Bob', observeNotifications);
  await createIdentity(bob);
  const offer = bob.page.getByRole('region', { name: 'Notifications' });
  await expect(bob.page.getByText('No contacts yet.')).toBeVisible();
  await expect(offer).toHaveCount(0); // nobody to hear from yet
  await addContact(bob, (await generateIdentityKeys()).id);
  await offer.getByRole('button', { name: 'Enable notifications' }).click();
  await expect(offer.getByRole('alert')).toContainText('Notifications are blocked for Tincan in this browser.');
  await offer.getByRole('button', { name: 'Dismiss' }).click();
  await expect(offer).toHaveCount(0);
  expect(await bob.page.evaluate(permissionRequests)).toBe(1);
  // Answered: not offered again after a reload; Settings still explains.
  await bob.page.reload();
  await expect(bob.page.getByRole('list', { name: 'Contacts' }).getByRole('listitem')).toHaveCount(1);
  await expect(offer).toHaveCount(0);
  await bob.page.getByRole('button', { name: 'Settings' }).click();
  await expect(bob.page.getByRole('dialog', { name: 'Settings' })).toContainText('Notifications are blocked for Tincan in this browser.');
});
