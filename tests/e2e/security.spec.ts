import { interceptServerFrames, swapDtlsFingerprint } from '../fixtures/evil-relay.ts';
import { expect } from '@playwright/test';
import { test } from '../fixtures/tincan.ts';
import { contactItem, introduce, messageTexts, openChat, pathStatus, sendMessage } from '../fixtures/ui.ts';
import { selectedPairs } from '../fixtures/peer-connection-spy.ts';

test('an offer whose DTLS fingerprint was swapped by the server is refused with an alert; the message comes by the relay', async ({ people }) => {
  const [alice, bob] = await Promise.all([people.launch('Alice'), people.launch('Bob')]);
  await introduce(alice, bob);

  // From now on Bob's server connection passes through a server that rewrites fingerprints.
  await interceptServerFrames(bob.page, swapDtlsFingerprint);
  await bob.page.reload();
  await expect(bob.page.getByRole('list', { name: 'Contacts' }).getByText('online')).toBeVisible();

  await openChat(alice, 'Bob');
  await sendMessage(alice, 'for Bob only');

  const alert = bob.page.getByRole('alert');
  await expect(alert.first()).toContainText('Refused a connection offer');
  await expect(alert.first()).toContainText('Alice');
  // The message still arrives, end-to-end encrypted through the server relay...
  await expect(contactItem(bob.page, 'Alice')).toContainText('1 unread');
  await openChat(bob, 'Alice');
  await expect(messageTexts(bob.page)).toHaveText(['for Bob only']);
  // ...and no channel was opened on the forged fingerprint, in either direction.
  expect(await bob.page.evaluate(selectedPairs)).toEqual([]);
  expect(await alice.page.evaluate(selectedPairs)).toEqual([]);
  await expect(pathStatus(alice.page)).not.toContainText('Direct');
});
