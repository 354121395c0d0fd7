import { expect, type Page } from '@playwright/test';
import { historyText, makeHistory, mirrorHistory, storedIds, writeHistory } from '../fixtures/history.ts';
import { test, type Person } from '../fixtures/tincan.ts';
import { contactItem, introduce, messageItems, messageTexts, openChat, sendMany, sendMessage } from '../fixtures/ui.ts';

// A long conversation: its history is written straight into both browsers' IndexedDB, as the
// product stores it (tests/fixtures/history.ts), since sending thousands of messages would take
// minutes. Everything after that is the product: the list reads pages as it is scrolled, and a
// real message from Bob, over a real session, arrives at the bottom.

const MESSAGES = 3000;
const DAY_MS = 86_400_000;

/** Turns the mouse wheel over the conversation, as a person scrolls it. */
async function wheel(page: Page, deltaY: number): Promise<void> {
  const box = await page.getByRole('list', { name: 'Messages' }).locator('xpath=..').boundingBox();
  if (!box) throw new Error('no conversation on screen');
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.wheel(0, deltaY);
}

/** Scrolls (a wheel turn at a time, each followed by a short look) until `target` is in view. */
async function scrollUntilInView(page: Page, deltaY: number, target: ReturnType<Page['getByText']>): Promise<void> {
  await expect(async () => {
    await wheel(page, deltaY);
    await expect(target).toBeInViewport({ timeout: 300 });
  }).toPass({ timeout: 60_000, intervals: [50] });
}

/** Alice and Bob, introduced, with MESSAGES between them in ten days (a separator for each day), both reloaded. */
async function longConversation(alice: Person, bob: Person): Promise<void> {
  await introduce(alice, bob);
  const [aliceIds, bobIds] = await Promise.all([storedIds(alice.page), storedIds(bob.page)]);
  const history = makeHistory(bobIds.self, MESSAGES, { start: Date.now() - 10 * DAY_MS, stepMs: (10 * DAY_MS) / MESSAGES });
  await Promise.all([writeHistory(alice.page, history), writeHistory(bob.page, mirrorHistory(history, aliceIds.self))]);
  await Promise.all([alice.page.reload(), bob.page.reload()]);
}

test('a conversation of thousands of messages opens at the newest, scrolls back to the first, and follows new ones', async ({ people }) => {
  const [alice, bob] = await Promise.all([people.launch('Alice'), people.launch('Bob')]);
  await longConversation(alice, bob);

  await openChat(alice, 'Bob');
  const newest = alice.page.getByText(historyText(MESSAGES), { exact: true });
  await expect(newest).toBeInViewport();
  // Only the rows around the viewport are items in the DOM, each saying where it is in the whole.
  const items = messageItems(alice.page);
  await expect(items.last()).toHaveAttribute('aria-posinset', String(MESSAGES));
  await expect(items.last()).toHaveAttribute('aria-setsize', String(MESSAGES));
  expect(await items.count()).toBeLessThan(100);

  // Scrolling up reads older pages, down to the very first message.
  const first = alice.page.getByText(historyText(1), { exact: true });
  await scrollUntilInView(alice.page, -20_000, first);
  await expect(items.first()).toHaveAttribute('aria-posinset', '1');
  await expect(messageTexts(alice.page).first()).toHaveText(historyText(1));
  // The first message of a day carries the day's heading inside its item (not an item of its own).
  await expect(items.first().getByRole('heading')).toBeVisible();
  await expect(items.first().getByRole('heading').locator('time')).toHaveAttribute('datetime', /^\d{4}-\d{2}-\d{2}$/);

  // A message that arrives meanwhile counts, but does not move the view away from the start.
  await openChat(bob, 'Alice');
  await sendMessage(bob, 'while Alice reads the start');
  await expect(items.first()).toHaveAttribute('aria-setsize', String(MESSAGES + 1));
  await expect(first).toBeInViewport();

  // Back at the bottom, a new message from Bob shows up there, in view, and is read at once.
  await scrollUntilInView(alice.page, 20_000, alice.page.getByText('while Alice reads the start', { exact: true }));
  await sendMessage(bob, 'fresh from Bob');
  await expect(messageTexts(alice.page).last()).toHaveText('fresh from Bob');
  await expect(alice.page.getByText('fresh from Bob', { exact: true })).toBeInViewport();
  await expect(items.last()).toHaveAttribute('aria-posinset', String(MESSAGES + 2));
  // A burst keeps the list at the bottom too.
  const burst = Array.from({ length: 40 }, (_, i) => `burst ${i + 1}`);
  await sendMany(bob, burst);
  await expect(messageTexts(alice.page).last()).toHaveText('burst 40');
  await expect(alice.page.getByText('burst 40', { exact: true })).toBeInViewport();
  await expect(items.last()).toHaveAttribute('aria-posinset', String(MESSAGES + 2 + burst.length));
  await expect(messageItems(bob.page).last().getByRole('img', { name: 'Read' })).toBeVisible();
  await expect(contactItem(alice.page, 'Bob')).not.toContainText('unread');
});

test('a search result far back in a long conversation opens the conversation there', async ({ people }) => {
  const [alice, bob] = await Promise.all([people.launch('Alice'), people.launch('Bob')]);
  await longConversation(alice, bob);

  // Far older than the page a conversation opens with, and than the one after it.
  const old = historyText(1234);
  await alice.page.getByRole('searchbox', { name: 'Search messages' }).fill(old);
  const results = alice.page.getByRole('list', { name: 'Search results' }).getByRole('listitem');
  await expect(results).toHaveCount(1);
  await results.first().getByRole('button').click();

  const found = messageItems(alice.page).filter({ has: alice.page.getByText(old, { exact: true }) });
  await expect(found).toBeInViewport();
  await expect(found).toHaveAttribute('aria-current', 'true');
  await expect(found).toHaveAttribute('aria-posinset', '1234');
  expect(await messageItems(alice.page).count()).toBeLessThan(100);
  // The list goes on from there both ways: older messages above (read as it goes; a turn of the
  // wheel shorter than the viewport, so that no message goes by unrendered), newer ones below,
  // from the keyboard too: End on the focused list goes to the newest. End goes to the end of
  // what is loaded, and newer pages load as it gets there, so it may take pressing it again, as
  // a person would.
  await scrollUntilInView(alice.page, -300, alice.page.getByText(historyText(1000), { exact: true }));
  await alice.page.getByRole('list', { name: 'Messages' }).focus();
  const newest = alice.page.getByText(historyText(MESSAGES), { exact: true });
  await expect(async () => {
    await alice.page.keyboard.press('End');
    await expect(newest).toBeInViewport({ timeout: 1000 });
  }).toPass({ timeout: 20_000 });
});
