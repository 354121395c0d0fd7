import { expect } from '@playwright/test';
import { VIEWPORTS } from '../fixtures/screens.ts';
import { test } from '../fixtures/tincan.ts';
import { introduce, messageTexts } from '../fixtures/ui.ts';

// The keyboard alone, on a phone-sized screen where the contact list and the conversation take
// turns: every control is reached with Tab in reading order, focus shows and never falls back to
// the top of the page when a view changes, Escape closes a dialog, Enter sends.

test('a phone-sized Tincan can be used with the keyboard alone', async ({ people }) => {
  const [alice, bob] = await Promise.all([people.launch('Alice'), people.launch('Bob')]);
  await introduce(alice, bob);
  const { page } = alice;
  await page.setViewportSize(VIEWPORTS.phone);
  const button = (name: string) => page.getByRole('button', { name, exact: true });

  // From the top of the page, Tab goes through the list screen's controls in order, visibly.
  await page.locator('body').focus();
  // (The one-time offer to enable notifications sits above the contacts once there is one.)
  const inOrder = [
    button('Settings'),
    button('Share invite'),
    button('Add contact'),
    page.getByRole('searchbox', { name: 'Search messages' }),
    button('Enable notifications'),
    button('Not now'),
    button('Bob'),
  ];
  for (const control of inOrder) {
    await page.keyboard.press('Tab');
    await expect(control).toBeFocused();
  }
  for (let i = 0; i < 4; i++) await page.keyboard.press('Shift+Tab');
  await expect(button('Add contact')).toHaveCSS('outline-style', 'solid');
  for (let i = 0; i < 4; i++) await page.keyboard.press('Tab');
  await expect(button('Bob')).toBeFocused();

  // Enter opens the conversation; the list is gone, and focus is on the conversation's heading.
  await page.keyboard.press('Enter');
  await expect(page.getByRole('list', { name: 'Contacts' })).toBeHidden();
  await expect(page.getByRole('heading', { name: 'Bob' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(button('Verify safety number')).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(button('Contact details')).toBeFocused();
  // The messages come next (focusable, so that a long history scrolls from the keyboard).
  await page.keyboard.press('Tab');
  await expect(page.getByRole('list', { name: 'Messages' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('textbox', { name: 'Message' })).toBeFocused();
  await page.keyboard.type('Typed, not clicked');
  await page.keyboard.press('Enter');
  await expect(messageTexts(page)).toHaveText(['Typed, not clicked']);
  await expect(page.getByRole('textbox', { name: 'Message' })).toHaveValue('');

  // A dialog: Escape closes it and focus goes back to the button that opened it.
  for (let i = 0; i < 3; i++) await page.keyboard.press('Shift+Tab');
  await expect(button('Verify safety number')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('dialog', { name: 'Verify safety number' })).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog', { name: 'Verify safety number' })).toBeHidden();
  await expect(button('Verify safety number')).toBeFocused();

  // Back to the list: focus returns to the contact the conversation was with.
  await page.getByRole('heading', { name: 'Bob' }).focus();
  await page.keyboard.press('Shift+Tab');
  await expect(button('Back to contacts')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('list', { name: 'Contacts' })).toBeVisible();
  await expect(button('Bob')).toBeFocused();
});
