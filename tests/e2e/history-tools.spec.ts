import { readFileSync } from 'node:fs';
import { expect } from '@playwright/test';
import type { HistoryExport } from '../../web/state/history-export.ts';
import { parseInvite } from '../../web/protocol/invite.ts';
import { storedTexts } from '../fixtures/idb.ts';
import { test } from '../fixtures/tincan.ts';
import { contactItem, converse, introduce, inviteLinkOf, messageItems, messageTexts, openChat, openContactDetails, sendMessage } from '../fixtures/ui.ts';

// What one can do with a conversation's history: search it, delete it, export it.

test('search finds a message in any conversation and opens its conversation', async ({ people }) => {
  const [alice, bob] = await Promise.all([people.launch('Alice'), people.launch('Bob')]);
  await introduce(alice, bob);
  await converse(alice, bob, 'Lunch on Friday?', 'Sure: the Café by the river, at noon');
  await sendMessage(alice, 'See you at the river');
  await expect(messageTexts(bob.page)).toHaveText(['Lunch on Friday?', 'Sure: the Café by the river, at noon', 'See you at the river']);

  await alice.page.reload(); // no conversation open
  const search = alice.page.getByRole('searchbox', { name: 'Search messages' });
  await search.fill('cafe RIVER');
  const results = alice.page.getByRole('list', { name: 'Search results' }).getByRole('listitem');
  await expect(results).toHaveCount(1);
  await expect(alice.page.getByRole('status').filter({ hasText: 'found' })).toHaveText('1 message found.');
  await expect(results.first()).toContainText('Bob');
  await expect(results.first()).toContainText('Sure: the Café by the river, at noon');
  await results.first().getByRole('button').click();
  await expect(alice.page.getByRole('main').getByRole('heading', { name: 'Bob' })).toBeVisible();
  await expect(messageTexts(alice.page)).toHaveText(['Lunch on Friday?', 'Sure: the Café by the river, at noon', 'See you at the river']);
  // The message found is marked (and scrolled to: see long-history.spec.ts); only that one.
  await expect(messageItems(alice.page).nth(1)).toHaveAttribute('aria-current', 'true');
  await expect(alice.page.getByRole('list', { name: 'Messages' }).locator('[aria-current]')).toHaveCount(1);

  // One word finds both sides' messages; a word nobody wrote finds nothing.
  await search.fill('river');
  await expect(results).toHaveCount(2);
  await expect(results.first()).toContainText('See you at the river');
  await search.fill('pineapple');
  await expect(alice.page.getByRole('status').filter({ hasText: 'found' })).toHaveText('No messages found.');
  await expect(results).toHaveCount(0);
  // Clearing the search brings the contacts back.
  await search.fill('');
  await expect(contactItem(alice.page, 'Bob')).toBeVisible();
});

test('a deleted conversation stays deleted, the contact stays, and the conversation goes on', async ({ people }) => {
  const [alice, bob] = await Promise.all([people.launch('Alice'), people.launch('Bob')]);
  await introduce(alice, bob);
  await converse(alice, bob, 'one', 'two');
  await sendMessage(alice, 'three');
  await expect(messageTexts(bob.page)).toHaveText(['one', 'two', 'three']);

  const dialog = await openContactDetails(alice);
  await dialog.getByRole('button', { name: 'Delete conversation' }).click();
  const confirm = alice.page.getByRole('dialog', { name: 'Delete conversation' });
  // Asked first: Cancel (where the focus starts) changes nothing.
  await expect(confirm.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await alice.page.keyboard.press('Enter');
  await expect(confirm).toBeHidden();
  await expect(messageTexts(alice.page)).toHaveText(['one', 'two', 'three']);
  await dialog.getByRole('button', { name: 'Delete conversation' }).click();
  await confirm.getByRole('button', { name: 'Delete', exact: true }).click();
  await expect(confirm).toBeHidden();
  await expect(dialog.getByRole('status')).toHaveText('The conversation with Bob is deleted.');
  await alice.page.keyboard.press('Escape');
  await expect(messageItems(alice.page)).toHaveCount(0);
  expect(await storedTexts(alice.page)).toEqual([]);

  await alice.page.reload();
  await expect(contactItem(alice.page, 'Bob')).toBeVisible();
  await openChat(alice, 'Bob');
  await expect(messageItems(alice.page)).toHaveCount(0);
  // Bob's copy is his; and new messages both ways continue the conversation without bringing
  // the deleted ones back (Alice's device did not start counting again).
  await expect(messageTexts(bob.page)).toHaveText(['one', 'two', 'three']);
  await sendMessage(bob, 'four');
  await expect(messageTexts(alice.page)).toHaveText(['four']);
  await sendMessage(alice, 'five');
  await expect(messageTexts(bob.page)).toHaveText(['one', 'two', 'three', 'four', 'five']);
  await expect(messageItems(alice.page).last().getByRole('img', { name: 'Read' })).toBeVisible();
  await expect(messageTexts(alice.page)).toHaveText(['four', 'five']);
  expect((await storedTexts(alice.page)).sort()).toEqual(['five', 'four']);

  // Removing the contact takes the rest.
  const details = await openContactDetails(alice);
  await details.getByRole('button', { name: 'Remove contact' }).click();
  await alice.page.getByRole('dialog', { name: 'Remove contact' }).getByRole('button', { name: 'Remove', exact: true }).click();
  await expect(details).toBeHidden();
  await expect(alice.page.getByRole('list', { name: 'Contacts' }).getByRole('listitem')).toHaveCount(0);
  await expect(alice.page.getByRole('heading', { name: 'No conversation open' })).toBeVisible();
  expect(await storedTexts(alice.page)).toEqual([]);
});

test('export history downloads the conversation as versioned JSON', async ({ people }) => {
  const [alice, bob] = await Promise.all([people.launch('Alice'), people.launch('Bob')]);
  await introduce(alice, bob);
  const bobInvite = parseInvite(await inviteLinkOf(bob));
  await converse(alice, bob, 'first', 'second 👋\nwith two lines');

  const dialog = await openContactDetails(alice);
  const download = alice.page.waitForEvent('download');
  await dialog.getByRole('button', { name: 'Export history' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/^tincan-history-bob-\d{4}-\d{2}-\d{2}\.json$/);
  await expect(dialog.getByRole('status')).toHaveText(`Saved ${file.suggestedFilename()}.`);
  const path = test.info().outputPath(file.suggestedFilename());
  await file.saveAs(path);

  const data = JSON.parse(readFileSync(path, 'utf8')) as HistoryExport;
  expect(data).toMatchObject({ format: 'tincan-history', version: 1, self: { name: 'Alice' }, contact: { name: 'Bob' } });
  expect('id' in bobInvite && data.contact.id).toBe('id' in bobInvite && bobInvite.id);
  expect(Date.parse(data.exportedAt)).not.toBeNaN();
  expect(data.messages.map((m) => [m.direction, m.text])).toEqual([
    ['out', 'first'],
    ['in', 'second 👋\nwith two lines'],
  ]);
  for (const m of data.messages) {
    expect(m.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(new Date(m.sentAt).toISOString()).toBe(m.sentAt);
    expect(['delivered', 'read']).toContain(m.state);
  }
});
