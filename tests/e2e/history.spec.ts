import { expect } from '@playwright/test';
import { test } from '../fixtures/tincan.ts';
import { introduce, messageItems, messageTexts, openChat, sendMessage } from '../fixtures/ui.ts';

test('history survives a reload of both browsers, complete and in order', async ({ people }) => {
  const [alice, bob] = await Promise.all([people.launch('Alice'), people.launch('Bob')]);
  await introduce(alice, bob);
  await Promise.all([openChat(alice, 'Bob'), openChat(bob, 'Alice')]);

  const conversation: [typeof alice, string][] = [
    [alice, 'one'],
    [bob, 'two'],
    [alice, 'three'],
    [alice, 'four'],
    [bob, 'five'],
    [alice, 'six'],
  ];
  const texts: string[] = [];
  for (const [sender, text] of conversation) {
    await sendMessage(sender, text);
    texts.push(text);
    // Each message is on both screens before the next is written, so the order is defined.
    await expect(messageTexts(alice.page)).toHaveText(texts);
    await expect(messageTexts(bob.page)).toHaveText(texts);
  }
  await expect(messageItems(alice.page).last().getByRole('img', { name: 'Read' })).toBeVisible();

  await Promise.all([alice.page.reload(), bob.page.reload()]);
  await Promise.all([openChat(alice, 'Bob'), openChat(bob, 'Alice')]);
  await expect(messageTexts(alice.page)).toHaveText(texts);
  await expect(messageTexts(bob.page)).toHaveText(texts);
  // Delivery states are history too: Alice's last message is still shown as read.
  await expect(messageItems(alice.page).last().getByRole('img', { name: 'Read' })).toBeVisible();
  await expect(messageItems(bob.page).nth(1).getByRole('img', { name: 'Read' })).toBeVisible();

  // And the conversation goes on after the reload.
  await sendMessage(bob, 'seven');
  await expect(messageTexts(alice.page)).toHaveText([...texts, 'seven']);
});
