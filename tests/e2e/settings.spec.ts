import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from '@playwright/test';
import { turnCredential } from '../../signal-server/ice.ts';
import { createSignalServer } from '../../signal-server/server.ts';
import { freeUdpAndTcpPort, startCoturn } from '../fixtures/coturn.ts';
import { test, type Person } from '../fixtures/tincan.ts';
import { contactItem, introduce, messageTexts, openChat, pathStatus, sendMessage, setRelayOnly } from '../fixtures/ui.ts';

// Settings that change where Tincan connects: another signaling server, and STUN/TURN servers
// of the user's own. Each is shown to be in effect by what only it can explain: presence and
// messages through a second real server, a TURN-relayed channel where the signaling server
// offers no TURN server at all.

async function openSettings(person: Person) {
  await person.page.getByRole('button', { name: 'Settings' }).click();
  return person.page.getByRole('dialog', { name: 'Settings' });
}

async function closeSettings(person: Person): Promise<void> {
  await person.page.keyboard.press('Escape');
  await expect(person.page.getByRole('dialog', { name: 'Settings' })).toBeHidden();
}

/** Saves `address` as the signaling server and waits until Tincan is connected to it. */
async function chooseServer(person: Person, address: string, expectedUrl: string): Promise<void> {
  const dialog = await openSettings(person);
  await dialog.getByRole('textbox', { name: 'Signaling server' }).fill(address);
  await dialog.getByRole('button', { name: 'Save server' }).click();
  await expect(dialog.getByText(`Now using ${expectedUrl}. Server connected.`)).toBeVisible();
  await closeSettings(person);
}

const presenceOf = (viewer: Person, name: string) => contactItem(viewer.page, name).getByText(/^(online|offline)$/);

test('another signaling server chosen in Settings is used at once and after a reload, until the default is chosen again', async ({ people }) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tincan-e2e-second-server-'));
  const second = await createSignalServer({ port: 0, host: '127.0.0.1', staticDir: 'dist', dataDir, log: () => {} });
  try {
    const [alice, bob] = await Promise.all([people.launch('Alice'), people.launch('Bob')]);
    await introduce(alice, bob);
    await expect(presenceOf(bob, 'Alice')).toHaveText('online');
    const secondSocket = `${second.url.replace('http:', 'ws:')}/ws`;

    // Not an address: refused with the reason, and nothing changes.
    const dialog = await openSettings(alice);
    await dialog.getByRole('textbox', { name: 'Signaling server' }).fill('chat.example');
    await dialog.getByRole('button', { name: 'Save server' }).click();
    await expect(dialog.getByRole('alert')).toContainText('must start with wss://');
    await closeSettings(alice);
    await expect(presenceOf(bob, 'Alice')).toHaveText('online');

    // Alice moves to the second server (named by its http origin): on the first, she is gone.
    await chooseServer(alice, second.url, secondSocket);
    await expect(presenceOf(bob, 'Alice')).toHaveText('offline');
    // Bob follows her there (by the socket URL): they see each other and talk through it.
    await chooseServer(bob, secondSocket, secondSocket);
    await expect(presenceOf(bob, 'Alice')).toHaveText('online');
    await expect(presenceOf(alice, 'Bob')).toHaveText('online');

    // After a reload Alice is still on the second server: what she sends reaches Bob, who is
    // connected only there (on the first server it would wait in a mailbox Bob never reads).
    await alice.page.reload();
    await openChat(alice, 'Bob');
    await sendMessage(alice, 'Still on the second server');
    await openChat(bob, 'Alice');
    await expect(messageTexts(bob.page)).toHaveText(['Still on the second server']);
    const settings = await openSettings(alice);
    await expect(settings.getByRole('textbox', { name: 'Signaling server' })).toHaveValue(secondSocket);

    // Back to the server Tincan was loaded from: Bob, on the second, sees her leave.
    await settings.getByRole('button', { name: 'Use default server' }).click();
    await expect(settings.getByRole('button', { name: 'Use default server' })).toBeHidden();
    await expect(presenceOf(bob, 'Alice')).toHaveText('offline');
  } finally {
    await second.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a TURN server added in Settings carries a relay-only connection where the signaling server offers none', async ({ people }) => {
  const host = '127.0.0.1';
  const secret = 'settings-spec-secret';
  const port = await freeUdpAndTcpPort(host);
  // Both browsers are on this machine: the relay must be allowed to reach loopback peers.
  const coturn = await startCoturn({ listeningIp: host, relayIp: host, port, secret, extraArgs: ['--allow-loopback-peers', `--allowed-peer-ip=${host}`] });
  try {
    const [alice, bob] = await Promise.all([people.launch('Alice'), people.launch('Bob')]);
    await introduce(alice, bob);
    await setRelayOnly(alice, true);
    await Promise.all([openChat(alice, 'Bob'), openChat(bob, 'Alice')]);
    await sendMessage(alice, 'Through the server');
    await expect(messageTexts(bob.page)).toHaveText(['Through the server']);
    await expect(pathStatus(alice.page)).toContainText('Server relay');

    const dialog = await openSettings(alice);
    // A TURN server without credentials is refused: WebRTC could not use it.
    await dialog.getByRole('textbox', { name: 'STUN or TURN URL' }).fill(`turn:${host}:${port}`);
    await dialog.getByRole('button', { name: 'Add server' }).click();
    await expect(dialog.getByRole('alert')).toContainText('needs a user name and a credential');
    const { username, credential } = turnCredential(secret, 'alice', Math.floor(Date.now() / 1000) + 3600);
    await dialog.getByRole('textbox', { name: 'TURN username' }).fill(username);
    await dialog.getByRole('textbox', { name: 'TURN credential' }).fill(credential);
    await dialog.getByRole('button', { name: 'Add server' }).click();
    await expect(dialog.getByRole('list', { name: 'Your STUN and TURN servers' }).getByRole('listitem')).toHaveText([
      new RegExp(`^turn:${host}:${port} as ${username}`),
    ]);
    await closeSettings(alice);

    await expect(pathStatus(alice.page)).toContainText('TURN relay');
    await sendMessage(bob, 'Through your own relay');
    await expect(messageTexts(alice.page)).toHaveText(['Through the server', 'Through your own relay']);

    // Removed, it is gone after a reload too, and relay-only is back to the server relay.
    const again = await openSettings(alice);
    await again.getByRole('button', { name: `Remove turn:${host}:${port}` }).click();
    await expect(again.getByRole('list', { name: 'Your STUN and TURN servers' })).toBeHidden();
    await alice.page.reload();
    await expect((await openSettings(alice)).getByRole('list', { name: 'Your STUN and TURN servers' })).toBeHidden();
  } finally {
    await coturn.stop();
  }
});
