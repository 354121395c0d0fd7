import { readFileSync, writeFileSync } from 'node:fs';
import { expect } from '@playwright/test';
import { recordPageFrames } from '../fixtures/server-tap.ts';
import { test, type Person } from '../fixtures/tincan.ts';
import { converse, createIdentity, introduce, inviteLinkOf, messageItems, messageTexts, openChat, sendMessage } from '../fixtures/ui.ts';

// Identity backup through the UI: exported from Settings (Argon2id at the real cost, in a worker,
// saved as a download) and restored on the first-run screen of another browser profile.

const PASSPHRASE = 'tin cans on a long string';

/** Exports a backup from Settings and saves the download; returns the file's path. */
async function exportBackup(person: Person, passphrase: string): Promise<string> {
  const { page } = person;
  await page.getByRole('button', { name: 'Settings' }).click();
  const dialog = page.getByRole('dialog', { name: 'Settings' });
  await dialog.getByLabel('Backup passphrase', { exact: true }).fill(passphrase);
  await dialog.getByLabel('Repeat passphrase', { exact: true }).fill(passphrase);
  const download = page.waitForEvent('download');
  await dialog.getByRole('button', { name: 'Export backup' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(new RegExp(`^tincan-identity-${person.name.toLowerCase()}-\\d{4}-\\d{2}-\\d{2}\\.json$`));
  const path = test.info().outputPath(file.suggestedFilename());
  await file.saveAs(path);
  await expect(dialog.getByRole('status')).toContainText(`Saved ${file.suggestedFilename()}`);
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  return path;
}

/** On the first-run screen: opens "Restore from backup" and submits the file with the passphrase. */
async function restoreBackup(person: Person, file: string, passphrase: string): Promise<void> {
  const { page } = person;
  const reveal = page.getByRole('button', { name: 'Restore from backup' });
  if ((await reveal.getAttribute('aria-expanded')) !== 'true') await reveal.click();
  await page.getByLabel('Backup file', { exact: true }).setInputFiles(file);
  await page.getByLabel('Backup passphrase', { exact: true }).fill(passphrase);
  await page.getByRole('button', { name: 'Restore identity' }).click();
}

async function expectFirstRunScreen(person: Person): Promise<void> {
  await expect(person.page.getByRole('textbox', { name: 'Display name' })).toBeVisible();
  await expect(person.page.getByRole('button', { name: 'Create identity' })).toBeVisible();
  await expect(person.page.getByRole('button', { name: 'Share invite' })).toHaveCount(0);
}

/** Alice with an identity and a backup of it. */
async function aliceWithBackup(people: { launch(name: string): Promise<Person> }): Promise<{ alice: Person; file: string }> {
  const alice = await people.launch('Alice');
  await createIdentity(alice);
  return { alice, file: await exportBackup(alice, PASSPHRASE) };
}

test('a backup exported in Settings restores the same identity in another browser', async ({ people }) => {
  const alice = await people.launch('Alice');
  await createIdentity(alice);
  const link = await inviteLinkOf(alice);

  // A passphrase too short, or repeated wrongly, is refused before anything is encrypted.
  await alice.page.getByRole('button', { name: 'Settings' }).click();
  const dialog = alice.page.getByRole('dialog', { name: 'Settings' });
  await dialog.getByLabel('Backup passphrase', { exact: true }).fill('short');
  await dialog.getByLabel('Repeat passphrase', { exact: true }).fill('short');
  await dialog.getByRole('button', { name: 'Export backup' }).click();
  await expect(dialog.getByRole('alert')).toContainText('at least 10 characters');
  await dialog.getByLabel('Backup passphrase', { exact: true }).fill(PASSPHRASE);
  await dialog.getByLabel('Repeat passphrase', { exact: true }).fill(`${PASSPHRASE}!`);
  await dialog.getByRole('button', { name: 'Export backup' }).click();
  await expect(dialog.getByRole('alert')).toContainText('not the same');
  await alice.page.keyboard.press('Escape');

  const file = await exportBackup(alice, PASSPHRASE);
  const backup = readFileSync(file, 'utf8');
  expect(JSON.parse(backup)).toMatchObject({ format: 'tincan-identity-backup', kdf: { opsLimit: 3, memLimit: 256 * 1024 * 1024 } });
  expect(backup).not.toContain('Alice');

  const restored = await people.launch('Restored');
  await expectFirstRunScreen(restored);
  await restoreBackup(restored, file, PASSPHRASE);
  await expect(restored.page.getByRole('button', { name: 'Share invite' })).toBeVisible();
  // Same ID and name: the invite link holds both.
  expect(await inviteLinkOf(restored)).toBe(link);
  await restored.page.getByRole('button', { name: 'Settings' }).click();
  await expect(restored.page.getByRole('dialog', { name: 'Settings' })).toContainText('Alice');
});

test('a wrong passphrase is refused with an alert, and the first-run screen stays', async ({ people }) => {
  const { file } = await aliceWithBackup(people);
  const other = await people.launch('Other');
  await restoreBackup(other, file, `${PASSPHRASE} but wrong`);
  await expect(other.page.getByRole('alert')).toContainText('passphrase does not open this backup');
  await expectFirstRunScreen(other);
  // The right passphrase still opens it.
  await restoreBackup(other, file, PASSPHRASE);
  await expect(other.page.getByRole('button', { name: 'Share invite' })).toBeVisible();
});

test('a backup file altered in its ciphertext is refused with an alert', async ({ people }) => {
  const { file } = await aliceWithBackup(people);
  const backup = JSON.parse(readFileSync(file, 'utf8')) as { ciphertext: string };
  const i = 20;
  const flipped = backup.ciphertext.slice(0, i) + (backup.ciphertext[i] === 'A' ? 'B' : 'A') + backup.ciphertext.slice(i + 1);
  const tampered = test.info().outputPath('tampered.json');
  writeFileSync(tampered, JSON.stringify({ ...backup, ciphertext: flipped }, null, 2));

  const other = await people.launch('Other');
  await restoreBackup(other, tampered, PASSPHRASE);
  await expect(other.page.getByRole('alert')).toContainText('damaged or has been altered');
  await expectFirstRunScreen(other);

  // A file that is no backup at all says so.
  const notBackup = test.info().outputPath('notes.json');
  writeFileSync(notBackup, '{"hello": "world"}');
  await restoreBackup(other, notBackup, PASSPHRASE);
  await expect(other.page.getByRole('alert')).toContainText('not a Tincan identity backup');
  await expectFirstRunScreen(other);
});

test('a contact reaches the restored identity: its first message uses the prekeys the restored device published', async ({ people }) => {
  const [alice, bob] = await Promise.all([people.launch('Alice'), people.launch('Bob')]);
  await introduce(alice, bob);
  const file = await exportBackup(alice, PASSPHRASE);
  // Alice's old device is gone; the server still holds the prekeys it published.
  await people.close(alice);

  let frames: string[] = [];
  const restored = await people.launch('Restored', async (page) => {
    frames = await recordPageFrames(page);
  });
  await restoreBackup(restored, file, PASSPHRASE);
  await expect(restored.page.getByRole('button', { name: 'Share invite' })).toBeVisible();
  // The restored device replaces the old device's prekeys with its own at once.
  await expect
    .poll(() => frames.map((f) => JSON.parse(f) as { t: string; replace?: boolean }).filter((f) => f.t === 'prekeys'))
    .toEqual([expect.objectContaining({ replace: true })]);

  await openChat(bob, 'Alice');
  await sendMessage(bob, 'welcome back');
  // Contacts are not in the backup: Bob appears as a new contact (named by his ID until his
  // profile comes, which this test does not wait for).
  const contacts = restored.page.getByRole('list', { name: 'Contacts' }).getByRole('listitem');
  await expect(contacts).toHaveCount(1);
  await expect(contacts).toContainText('1 unread');
  await contacts.getByRole('button').click();
  await expect(messageTexts(restored.page)).toHaveText(['welcome back']);
  await sendMessage(restored, 'thanks');
  await expect(messageTexts(bob.page)).toHaveText(['welcome back', 'thanks']);
  await expect(bob.page.getByRole('alert')).toHaveCount(0);
  // The restored device answered in the session Bob started on its prekeys: it never needed a
  // session of its own (which it would start from Bob's bundle to repair a failed one).
  expect(frames.map((f) => JSON.parse(f) as { t: string }).filter((f) => f.t === 'bundle')).toEqual([]);
});

test('a contact who wrote with the old device sees the restored identity start a new session, and goes on after confirming', async ({ people }) => {
  const [alice, bob] = await Promise.all([people.launch('Alice'), people.launch('Bob')]);
  await introduce(alice, bob);
  await converse(alice, bob, 'before', 'ack');
  const file = await exportBackup(alice, PASSPHRASE);
  await people.close(alice);

  const restored = await people.launch('Restored');
  await restoreBackup(restored, file, PASSPHRASE);
  await expect(restored.page.getByRole('button', { name: 'Share invite' })).toBeVisible();

  // Bob writes in the session he had with the old device; the restored one has no such session
  // and answers with a new one, which Bob is told about before anything more goes out.
  await sendMessage(bob, 'after restore');
  await expect(bob.page.getByRole('alert').filter({ hasText: 'Alice started a new secure session' }).first()).toBeVisible();
  await bob.page.getByRole('button', { name: 'Continue sending' }).click();

  const contacts = restored.page.getByRole('list', { name: 'Contacts' }).getByRole('listitem');
  await expect(contacts).toHaveCount(1);
  await contacts.getByRole('button').click();
  await expect(messageTexts(restored.page)).toContainText(['after restore']);
  await expect(messageItems(bob.page).last().getByRole('img', { name: /^(Delivered|Read)$/ })).toBeVisible();
});
