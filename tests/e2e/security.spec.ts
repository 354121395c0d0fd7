import { interceptServerFrames, swapDtlsFingerprint } from '../fixtures/evil-relay.ts';
import { expect } from '@playwright/test';
import { test } from '../fixtures/tincan.ts';
import { introduce, messageItems, openChat, sendMessage } from '../fixtures/ui.ts';

test('an offer whose DTLS fingerprint was swapped by the server is refused with an alert', async ({ people }) => {
  const [alice, bob] = await Promise.all([people.launch('Alice'), people.launch('Bob')]);
  await introduce(alice, bob);

  // From now on Bob's server connection passes through a server that rewrites fingerprints.
  await interceptServerFrames(bob.page, swapDtlsFingerprint);
  await bob.page.reload();
  await expect(bob.page.getByRole('list', { name: 'Contacts' }).getByText('online')).toBeVisible();

  await openChat(alice, 'Bob');
  await sendMessage(alice, 'for Bob only');

  const alert = bob.page.getByRole('alert');
  await expect(alert).toContainText('Refused a connection offer');
  await expect(alert).toContainText('Alice');
  // No channel was opened on the forged fingerprint, so nothing was handed to one.
  await expect(messageItems(alice.page).first().getByRole('img', { name: 'Queued' })).toBeVisible();
  await expect(alice.page.getByRole('status', { name: 'Connection path' })).not.toContainText('Direct');
});
