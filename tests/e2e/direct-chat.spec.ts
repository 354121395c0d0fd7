import { selectedPairs } from '../fixtures/peer-connection-spy.ts';
import { expect } from '@playwright/test';
import { test } from '../fixtures/tincan.ts';
import { addContact, contactItem, createIdentity, introduce, inviteLinkOf, messageItems, messageTexts, openChat, sendMessage } from '../fixtures/ui.ts';

test('two browsers add each other by invite link and chat both ways over a direct channel', async ({ people }) => {
  const [alice, bob] = await Promise.all([people.launch('Alice'), people.launch('Bob')]);
  await introduce(alice, bob);

  // Presence: each sees the other online.
  await expect(contactItem(alice.page, 'Bob')).toContainText('online');
  await expect(contactItem(bob.page, 'Alice')).toContainText('online');

  await openChat(alice, 'Bob');
  await sendMessage(alice, 'Hello Bob, this is Alice');
  // Bob is not looking at the conversation yet: the message waits for him as unread.
  await expect(contactItem(bob.page, 'Alice')).toContainText('1 unread');
  await openChat(bob, 'Alice');
  await expect(messageTexts(bob.page)).toHaveText(['Hello Bob, this is Alice']);
  await expect(contactItem(bob.page, 'Alice')).not.toContainText('unread');
  await sendMessage(bob, 'Hi Alice!');
  await expect(messageTexts(alice.page)).toHaveText(['Hello Bob, this is Alice', 'Hi Alice!']);

  // The channel is direct: the selected, nominated candidate pair uses no TURN relay.
  for (const person of [alice, bob]) {
    await expect(person.page.getByRole('status', { name: 'Connection path' })).toContainText('Direct');
    const pairs = await person.page.evaluate(selectedPairs);
    expect(pairs).toHaveLength(1);
    expect(pairs[0]).toMatchObject({ nominated: true, state: 'succeeded' });
    expect(pairs[0]!.localType).not.toBe('relay');
    expect(pairs[0]!.remoteType).not.toBe('relay');
  }

  // Receipts: Alice's message was delivered, and read once Bob had the conversation open.
  const aliceFirst = messageItems(alice.page).first();
  await expect(aliceFirst.getByRole('img', { name: 'Read' })).toBeVisible();
});
