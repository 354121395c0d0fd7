import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, type Page } from '@playwright/test';
import { Deployer, NEXT_VERSION_META } from '../fixtures/next-version.ts';
import { BUILT_APP, startServerProcess, type ServerProcess } from '../fixtures/server-process.ts';
import { test, type Person } from '../fixtures/tincan.ts';
import { contactItem, converse, createIdentity, deliveredMarks, introduce, messageItems, messageTexts, openChat, pathStatus, sendMessage } from '../fixtures/ui.ts';

// Tincan as an installed app (web/service-worker.ts): it opens without a network and without its
// server, showing the contacts and history it keeps in IndexedDB, and what is written meanwhile
// waits on the device and goes once the server is back. A new version of the app waits until the
// user chooses to reload into it.

/** Resolves once the service worker holds this version of the app: every file is precached. */
async function offlineCopyReady(page: Page): Promise<void> {
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
}

const serverStatus = (page: Page) => page.getByRole('status', { name: 'Server connection' });

/**
 * Reloads `person`'s page while the server cannot be reached and checks that Tincan opens anyway:
 * the main screen says why (`status`), the contact and the conversation's `history` are there,
 * and a message `written` now is kept, Queued.
 */
async function reloadAndWorkOffline(person: Person, contact: string, status: string, history: string[], written: string): Promise<void> {
  await person.page.reload();
  await expect(serverStatus(person.page)).toHaveText(status);
  await expect(contactItem(person.page, contact)).toBeVisible();
  await openChat(person, contact);
  await expect(messageTexts(person.page)).toHaveText(history);
  await expect(pathStatus(person.page)).toContainText('Queued (offline)');
  await sendMessage(person, written);
  await expect(messageItems(person.page).last().getByRole('img', { name: 'Queued' })).toBeVisible();
}

test('with the network gone, a reload opens Tincan with its contacts and history; what is written goes when it is back', async ({ people }) => {
  const [alice, bob] = await Promise.all([people.launch('Alice'), people.launch('Bob')]);
  await introduce(alice, bob);
  await converse(alice, bob, 'Before the tunnel', 'Call me after');
  await offlineCopyReady(alice.page);

  await alice.page.context().setOffline(true);
  await reloadAndWorkOffline(alice, 'Bob', 'Offline: no network', ['Before the tunnel', 'Call me after'], 'Written in the tunnel');

  await alice.page.context().setOffline(false);
  await expect(serverStatus(alice.page)).toHaveText('Connected');
  await expect(messageTexts(bob.page)).toHaveText(['Before the tunnel', 'Call me after', 'Written in the tunnel']);
  await expect(deliveredMarks(alice.page)).toHaveCount(2);
});

/** The server as its own process (signal-server/main.ts), which a test can stop and start again at the same address. */
interface RestartableServer {
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

const withServerProcess = test.extend<{ serverProcess: RestartableServer }>({
  serverProcess: async ({}, use) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tincan-offline-server-'));
    let running: ServerProcess | null = await startServerProcess({ dataDir, staticDir: BUILT_APP });
    const url = running.url;
    try {
      await use({
        url,
        stop: async () => {
          await running?.stop();
          running = null;
        },
        start: async () => {
          running = await startServerProcess({ dataDir, staticDir: BUILT_APP, port: Number(new URL(url).port) });
        },
      });
    } finally {
      await running?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
  appUrl: async ({ serverProcess }, use) => use(serverProcess.url),
});

withServerProcess('with the server stopped, a reload opens Tincan with its history; what is written goes when the server is back', async ({ people, serverProcess }) => {
  const [alice, bob] = await Promise.all([people.launch('Alice'), people.launch('Bob')]);
  await introduce(alice, bob);
  await converse(alice, bob, 'Is the server up?', 'For now');
  await offlineCopyReady(alice.page);

  await serverProcess.stop();
  await reloadAndWorkOffline(alice, 'Bob', 'Server unreachable: retrying…', ['Is the server up?', 'For now'], 'Written while it was down');

  await serverProcess.start();
  // Both pages find it again on their own (their retries back off up to 30 s).
  await expect(serverStatus(alice.page)).toHaveText('Connected', { timeout: 45_000 });
  await expect(messageTexts(bob.page)).toHaveText(['Is the server up?', 'For now', 'Written while it was down'], { timeout: 45_000 });
  await expect(deliveredMarks(alice.page)).toHaveCount(2);
});

test('a new version waits for the user: a notice offers Reload, and Reload brings it', async ({ people, server }) => {
  test.setTimeout(240_000);
  const deployer = new Deployer(server, { dataDir: server.dataDir });
  try {
    const alice = await people.launch('Alice');
    await createIdentity(alice);
    await offlineCopyReady(alice.page);
    const nextVersion = alice.page.locator(`meta[name="${NEXT_VERSION_META}"]`);
    await expect(nextVersion).toHaveCount(0);

    // The operator deploys the next version: the server restarts on the new build, same address.
    const version = await deployer.deployNext();
    await alice.page.reload();
    const notice = alice.page.getByRole('region', { name: 'Update available' });
    await expect(notice.getByRole('status')).toHaveText('A new version of Tincan is ready.');
    // Until the user says so, the tab runs the version it has.
    await expect(nextVersion).toHaveCount(0);

    // "Later" hides the notice; the new version still waits and is offered again.
    await notice.getByRole('button', { name: 'Later' }).click();
    await expect(notice).toBeHidden();
    await alice.page.reload();
    await expect(notice).toBeVisible();
    await expect(nextVersion).toHaveCount(0);

    await notice.getByRole('button', { name: 'Reload' }).click();
    await expect(nextVersion).toHaveAttribute('content', version);
    await expect(notice).toBeHidden();
    await expect(alice.page.getByRole('button', { name: 'Share invite' })).toBeVisible();
  } finally {
    await deployer.close();
  }
});
