import { randomBytes } from 'node:crypto';
import { expect } from '@playwright/test';
import { toBase64Url } from '../../web/protocol/encoding.ts';
import { dropSignals, interceptServerFrames, swapDtlsFingerprint, swapPrekeyBundle, type Frame } from '../fixtures/evil-relay.ts';
import { selectedPairs } from '../fixtures/peer-connection-spy.ts';
import { forgetSessions } from '../fixtures/reinstall.ts';
import { tapServerSocket } from '../fixtures/server-tap.ts';
import { test } from '../fixtures/tincan.ts';
import { contactItem, converse, introduce, messageItems, messageTexts, openChat, pathStatus, sendMessage } from '../fixtures/ui.ts';

// An evil signaling server: Playwright sits between a page and the real server and rewrites,
// drops, replays or forges what the server sends. End-to-end encryption must hold regardless:
// nothing readable reaches the wrong party, and every trick is either refused with an alert or
// absorbed without losing or duplicating a message.

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

test('a prekey bundle swapped by the server fails verification with an alert, and nothing is sent until a true one comes', async ({ people }) => {
  const [alice, bob] = await Promise.all([people.launch('Alice'), people.launch('Bob')]);
  await introduce(alice, bob);
  // Bob is offline: the first message can only go through his prekeys, fetched from the server.
  await people.close(bob);

  let lying = true;
  const fromAlice: Frame[] = [];
  await tapServerSocket(alice.page, {
    fromPage: (message) => {
      fromAlice.push(JSON.parse(message) as Frame);
      return message;
    },
    fromServer: (message) => (lying ? JSON.stringify(swapPrekeyBundle(JSON.parse(message) as Frame)) : message),
  });
  await alice.page.reload();
  await openChat(alice, 'Bob');
  await sendMessage(alice, 'first contact');

  const alert = alice.page.getByRole('alert');
  await expect(alert.first()).toContainText('did not sign');
  await expect(alert.first()).toContainText('Bob');
  // The bundle was asked for and refused: not one blob left Alice's browser for Bob.
  expect(fromAlice.some((f) => f.t === 'bundle')).toBe(true);
  expect(fromAlice.filter((f) => f.t === 'send')).toEqual([]);
  await expect(messageItems(alice.page).getByRole('img', { name: 'Queued' })).toHaveCount(1);

  // The server stops lying: the message waits no longer than the next retry, and Bob reads it.
  lying = false;
  await people.reopen(bob);
  await expect(contactItem(bob.page, 'Alice')).toContainText('1 unread');
  await openChat(bob, 'Alice');
  await expect(messageTexts(bob.page)).toHaveText(['first contact']);
});

test('old blobs the server replays are dropped as duplicates, without a false alarm', async ({ people }) => {
  const [alice, bob] = await Promise.all([people.launch('Alice'), people.launch('Bob')]);
  await introduce(alice, bob);
  // Bob's server passes no WebRTC signals (so everything comes through it) and keeps what it delivers.
  const delivered: Frame[] = [];
  const acked: string[] = [];
  const evil = await tapServerSocket(bob.page, {
    fromServer: (message) => {
      const frame = JSON.parse(message) as Frame;
      if (frame.t === 'deliver') delivered.push(frame);
      return dropSignals(frame) === null ? null : message;
    },
    fromPage: (message) => {
      const frame = JSON.parse(message) as Frame;
      if (frame.t === 'ack') acked.push(frame.id as string);
      return message;
    },
  });
  await bob.page.reload();

  await openChat(alice, 'Bob');
  await openChat(bob, 'Alice');
  await sendMessage(alice, 'one');
  await expect(messageTexts(bob.page)).toHaveText(['one']);
  const old = [...delivered];
  expect(old.length).toBeGreaterThan(0);
  // A reply and another message: both sides have ratcheted past the old blobs' keys.
  await sendMessage(bob, 'reply');
  await expect(messageTexts(alice.page)).toHaveText(['one', 'reply']);
  await sendMessage(alice, 'two');
  await expect(messageTexts(bob.page)).toHaveText(['one', 'reply', 'two']);

  // The server replays every earlier blob as a fresh mailbox delivery.
  const replayIds = old.map(() => toBase64Url(randomBytes(16)));
  for (const [i, frame] of old.entries()) evil.toPage(JSON.stringify({ ...frame, id: replayIds[i], via: 'mailbox' }));
  // Bob acknowledges a mailbox delivery once it is processed (or can never be): all of them were.
  await expect.poll(() => replayIds.filter((id) => !acked.includes(id))).toEqual([]);
  await expect(messageTexts(bob.page)).toHaveText(['one', 'reply', 'two']);
  await expect(bob.page.getByRole('alert')).toHaveCount(0);
});

test('a message the server drops leaves a gap that is noticed and filled, in order', async ({ people }) => {
  const [alice, bob] = await Promise.all([people.launch('Alice'), people.launch('Bob')]);
  await introduce(alice, bob);
  const long = `two ${'x'.repeat(1500)}`;
  let dropped = 0;
  // Bob's server passes no WebRTC signals, and loses the first blob big enough to be the long message.
  await interceptServerFrames(bob.page, (frame) => {
    if (frame.t === 'deliver' && dropped === 0 && (frame.blob as string).length > 1500) {
      dropped += 1;
      return null;
    }
    return dropSignals(frame);
  });
  await bob.page.reload();

  await openChat(alice, 'Bob');
  await openChat(bob, 'Alice');
  await sendMessage(alice, 'one');
  await expect(messageTexts(bob.page)).toHaveText(['one']);
  await sendMessage(alice, long);
  await sendMessage(alice, 'three');
  await expect(messageTexts(bob.page)).toHaveText(['one', long, 'three']);
  expect(dropped).toBe(1);
  await expect(messageItems(alice.page).getByRole('img', { name: /^(Delivered|Read)$/ })).toHaveCount(3);
  await expect(bob.page.getByRole('alert')).toHaveCount(0);
});

test('a contact starting a new session over a working one is announced, and sending waits for the user', async ({ people }) => {
  const [alice, bob] = await Promise.all([people.launch('Alice'), people.launch('Bob')]);
  await introduce(alice, bob);
  await converse(alice, bob, 'before', 'ack');

  // Alice's device loses its sessions and prekeys (as a reinstall with her identity restored
  // would), so her next message starts a new session over the one that worked.
  await forgetSessions(alice.page);
  await alice.page.reload();
  await openChat(alice, 'Bob');
  await sendMessage(alice, 'from a new session');

  await expect(messageTexts(bob.page)).toHaveText(['before', 'ack', 'from a new session']);
  const notice = bob.page.getByRole('alert').filter({ hasText: 'Alice started a new secure session' });
  await expect(notice.first()).toBeVisible();
  // What Bob writes now waits for him.
  await sendMessage(bob, 'held');
  await expect(messageItems(bob.page).last().getByRole('img', { name: 'Queued' })).toBeVisible();
  await expect(messageTexts(alice.page)).toHaveText(['before', 'ack', 'from a new session']);

  await bob.page.getByRole('button', { name: 'Continue sending' }).click();
  await expect(messageTexts(alice.page)).toHaveText(['before', 'ack', 'from a new session', 'held']);
  await expect(messageItems(bob.page).last().getByRole('img', { name: /^(Delivered|Read)$/ })).toBeVisible();
  await expect(bob.page.getByRole('button', { name: 'Continue sending' })).toHaveCount(0);
});
