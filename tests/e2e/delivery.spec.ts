import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from '@playwright/test';
import { killWebRtc } from '../fixtures/peer-connection-spy.ts';
import { test, type TincanServer } from '../fixtures/tincan.ts';
import { contactItem, deliveredMarks, introduce, messageItems, messageTexts, openChat, pathStatus, sendMany } from '../fixtures/ui.ts';

// Never lose a message: offline recipients, reloads on either side, a channel that dies in the
// middle of a stream. Every check is on what people see, and on exactly-once, in-order arrival.

const numbered = (label: string, n: number, from = 1) => Array.from({ length: n }, (_, i) => `${label} ${i + from}`);

/** Every byte the server keeps on disk or wrote to its log. */
function serverResidue(server: TincanServer): string {
  const files = readdirSync(server.dataDir).map((name) => readFileSync(join(server.dataDir, name)).toString('latin1'));
  return [...files, ...server.logLines].join('\n');
}

test('50 messages to a closed browser wait in the mailbox and all arrive once, in order', async ({ people, server }) => {
  const [alice, bob] = await Promise.all([people.launch('Alice'), people.launch('Bob')]);
  await introduce(alice, bob);
  await people.close(bob);
  await expect(contactItem(alice.page, 'Bob')).toContainText('offline');

  await openChat(alice, 'Bob');
  await expect(pathStatus(alice.page)).toContainText('Queued (offline)');
  const canary = `CANARY-${Date.now().toString(36)}`;
  const texts = numbered(`${canary} offline message`, 50);
  await sendMany(alice, texts);
  await expect(messageTexts(alice.page)).toHaveText(texts);
  // Accepted by the server's mailbox, not yet delivered.
  await expect(messageItems(alice.page).getByRole('img', { name: 'Sent' })).toHaveCount(50);

  await people.reopen(bob);
  await openChat(bob, 'Alice');
  await expect(messageTexts(bob.page)).toHaveText(texts);
  await expect(deliveredMarks(alice.page)).toHaveCount(50);
  // The server never held anything readable: no plaintext on its disk or in its log.
  expect(serverResidue(server)).not.toContain(canary);
});

test('Alice reloads in the middle of sending 200: all 200 arrive exactly once', async ({ people }) => {
  const [alice, bob] = await Promise.all([people.launch('Alice'), people.launch('Bob')]);
  await introduce(alice, bob);
  await Promise.all([openChat(alice, 'Bob'), openChat(bob, 'Alice')]);
  const before = numbered('before reload', 100);
  const after = numbered('after reload', 100);

  await sendMany(alice, before);
  // Every one of them is stored on Alice's device (shown), but not necessarily delivered yet.
  await expect(messageTexts(alice.page)).toHaveCount(100);
  await alice.page.reload();
  await openChat(alice, 'Bob');
  await sendMany(alice, after);

  await expect(messageTexts(bob.page)).toHaveText([...before, ...after]);
  await expect(deliveredMarks(alice.page)).toHaveCount(200);
});

test('Bob reloads in the middle of receiving: nothing is lost or duplicated', async ({ people }) => {
  const [alice, bob] = await Promise.all([people.launch('Alice'), people.launch('Bob')]);
  await introduce(alice, bob);
  await Promise.all([openChat(alice, 'Bob'), openChat(bob, 'Alice')]);
  const texts = numbered('stream', 200);

  const sending = sendMany(alice, texts);
  await expect(messageTexts(bob.page).first()).toHaveText('stream 1');
  await bob.page.reload();
  await sending;
  await openChat(bob, 'Alice');
  await expect(messageTexts(bob.page)).toHaveText(texts);
  await expect(deliveredMarks(alice.page)).toHaveCount(200);
});

test('a data channel killed mid-stream falls back to the server relay and loses nothing', async ({ people }) => {
  const [alice, bob] = await Promise.all([people.launch('Alice'), people.launch('Bob')]);
  await introduce(alice, bob);
  await Promise.all([openChat(alice, 'Bob'), openChat(bob, 'Alice')]);
  await expect(pathStatus(alice.page)).toContainText('Direct');
  const texts = numbered('mid-stream', 100);

  const sending = sendMany(alice, texts);
  await expect(messageTexts(bob.page).first()).toHaveText('mid-stream 1');
  // The network takes WebRTC away from Alice: her channel dies and no new one can form.
  await alice.page.evaluate(killWebRtc);
  await sending;
  await expect(pathStatus(alice.page)).toContainText('Server relay');
  await expect(messageTexts(bob.page)).toHaveText(texts);
  await expect(deliveredMarks(alice.page)).toHaveCount(100);
});

test.describe('with a mailbox that holds three messages', () => {
  test.use({ serverOptions: { limits: { mailboxMaxCount: 3 } } });

  test('a full mailbox makes a message "Not delivered", and Retry delivers it later', async ({ people }) => {
    const [alice, bob] = await Promise.all([people.launch('Alice'), people.launch('Bob')]);
    await introduce(alice, bob);
    await people.close(bob);
    await openChat(alice, 'Bob');
    await sendMany(alice, numbered('quota', 4));

    const failed = messageItems(alice.page).filter({ has: alice.page.getByRole('img', { name: 'Not delivered' }) });
    await expect(failed).toHaveCount(1);
    await expect(failed).toContainText('quota 4');
    await expect(failed).toContainText('mailbox on the server is full');

    await people.reopen(bob);
    await openChat(bob, 'Alice');
    await expect(messageTexts(bob.page)).toHaveText(numbered('quota', 3));
    await failed.getByRole('button', { name: 'Retry' }).click();
    await expect(messageTexts(bob.page)).toHaveText(numbered('quota', 4));
    await expect(deliveredMarks(alice.page)).toHaveCount(4);
  });
});

test.describe('with a mailbox that keeps messages for two seconds', () => {
  test.use({ serverOptions: { limits: { mailboxTtlMs: 2_000 } } });

  test('an expired message says "Not delivered" and is never delivered late', async ({ people }) => {
    const [alice, bob] = await Promise.all([people.launch('Alice'), people.launch('Bob')]);
    await introduce(alice, bob);
    await people.close(bob);
    await openChat(alice, 'Bob');
    await sendMany(alice, ['too late']);
    const item = messageItems(alice.page).first();
    await expect(item.getByRole('img', { name: 'Not delivered' })).toBeVisible();
    await expect(item).toContainText('expired');

    await people.reopen(bob);
    await openChat(bob, 'Alice');
    await expect(contactItem(alice.page, 'Bob')).toContainText('online');
    // A message sent now arrives alone: the expired one was not handed over on reconnect.
    await sendMany(alice, ['fresh']);
    await expect(messageTexts(bob.page)).toHaveText(['fresh']);
    await item.getByRole('button', { name: 'Retry' }).click();
    // The retried message keeps its place in Alice's order.
    await expect(messageTexts(bob.page)).toHaveText(['too late', 'fresh']);
  });
});

test('a second tab of the same profile waits, can take over, and nothing is duplicated', async ({ people }) => {
  const [alice, bob] = await Promise.all([people.launch('Alice'), people.launch('Bob')]);
  await introduce(alice, bob);
  await Promise.all([openChat(alice, 'Bob'), openChat(bob, 'Alice')]);
  await sendMany(alice, ['from the first tab']);

  const second = await people.openTab(alice);
  await expect(second.getByRole('heading', { name: 'Tincan is open in another tab' })).toBeVisible();
  await second.getByRole('button', { name: 'Use here' }).click();
  await expect(alice.page.getByRole('heading', { name: 'Tincan is open in another tab' })).toBeVisible();

  await second.getByRole('list', { name: 'Contacts' }).getByRole('button', { name: 'Bob', exact: true }).click();
  await sendMany({ name: 'Alice', page: second }, ['from the second tab']);
  await expect(messageTexts(bob.page)).toHaveText(['from the first tab', 'from the second tab']);
  await expect(deliveredMarks(second)).toHaveCount(2);
});
