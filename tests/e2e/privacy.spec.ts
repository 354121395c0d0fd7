import { expect } from '@playwright/test';
import { candidatesIn, revealingCandidates, revealingSdpAddresses, signalsIn } from '../fixtures/ice-candidates.ts';
import { recordPageFrames } from '../fixtures/server-tap.ts';
import { test } from '../fixtures/tincan.ts';
import type { SignedSdp } from '../../web/protocol/signal-data.ts';
import { selectedPairs } from '../fixtures/peer-connection-spy.ts';
import { addContact, createIdentity, introduce, inviteLinkOf, messageTexts, openChat, pathStatus, sendMessage, setRelayOnly } from '../fixtures/ui.ts';

// Privacy mode (relay-only ICE), checked on what the server sees: every frame each page sends to
// the signaling server is recorded on its way (Playwright sits on the WebSocket), then read as
// the server parses it. This server offers no TURN relay, so Alice's WebRTC has no candidate at
// all and her messages go through the server relay; Bob, without privacy mode, is the control
// showing that the same check does find addresses where they are sent.

/** Offers and answers; parsed as the server parses them, so each carries a well-formed signature. */
const signedSdps = (frames: string[]) => signalsIn(frames).filter((s): s is SignedSdp => s.kind === 'offer' || s.kind === 'answer');

test('with relay-only connections on, no candidate that reveals an address leaves Alice’s browser; the setting survives a restart', async ({ people }) => {
  let aliceSent: string[] = [];
  let bobSent: string[] = [];
  const [alice, bob] = await Promise.all([
    people.launch('Alice', async (page) => void (aliceSent = await recordPageFrames(page))),
    people.launch('Bob', async (page) => void (bobSent = await recordPageFrames(page))),
  ]);
  await Promise.all([createIdentity(alice), createIdentity(bob)]);
  // Before Alice has any contact, so that no connection of hers could start without it.
  await setRelayOnly(alice, true);
  const [linkA, linkB] = await Promise.all([inviteLinkOf(alice), inviteLinkOf(bob)]);
  await Promise.all([addContact(alice, linkB), addContact(bob, linkA)]);

  await Promise.all([openChat(alice, 'Bob'), openChat(bob, 'Alice')]);
  await sendMessage(alice, 'Hello Bob, from behind the relay');
  await expect(messageTexts(bob.page)).toHaveText(['Hello Bob, from behind the relay']);
  await sendMessage(bob, 'Hi Alice');
  await expect(messageTexts(alice.page)).toHaveText(['Hello Bob, from behind the relay', 'Hi Alice']);
  await expect(messageTexts(bob.page)).toHaveText(['Hello Bob, from behind the relay', 'Hi Alice']);

  // The recorder works: Bob tries WebRTC, and Alice answers with a signed SDP the server sees.
  await expect.poll(() => signedSdps(aliceSent).length, { message: 'Alice sent an offer or answer' }).toBeGreaterThan(0);
  // The control: without privacy mode, Bob's host candidates are in what the server sees.
  await expect.poll(() => revealingCandidates(candidatesIn(signalsIn(bobSent))).filter((c) => c.includes(' typ host ')).length).toBeGreaterThan(0);

  // Alice sent no candidate at all: relay-only leaves her none where there is no TURN server.
  const aliceSignals = signalsIn(aliceSent);
  expect(candidatesIn(aliceSignals)).toEqual([]);
  expect(revealingSdpAddresses(aliceSignals)).toEqual([]);
  await expect(pathStatus(alice.page)).toContainText('Server relay');

  // After a restart the setting is still on, and it is on before Alice's first connection:
  // Bob offers again as soon as she is back, and her answer reveals nothing either.
  await people.close(alice);
  await people.reopen(alice, async (page) => void (aliceSent = await recordPageFrames(page)));
  await expect.poll(() => signedSdps(aliceSent).length, { message: 'Alice answered after the restart' }).toBeGreaterThan(0);
  await openChat(alice, 'Bob');
  await sendMessage(alice, 'Still hidden');
  await expect(messageTexts(bob.page)).toHaveText(['Hello Bob, from behind the relay', 'Hi Alice', 'Still hidden']);
  const afterRestart = signalsIn(aliceSent);
  expect(candidatesIn(afterRestart)).toEqual([]);
  expect(revealingSdpAddresses(afterRestart)).toEqual([]);
  await expect(pathStatus(alice.page)).toContainText('Server relay');

  await alice.page.getByRole('button', { name: 'Settings' }).click();
  await expect(alice.page.getByRole('dialog', { name: 'Settings' }).getByRole('checkbox', { name: 'Relay-only connections' })).toBeChecked();
});

test('turning relay-only on closes an open direct channel, and what Alice sends afterwards reveals no address', async ({ people }) => {
  let aliceSent: string[] = [];
  const [alice, bob] = await Promise.all([people.launch('Alice', async (page) => void (aliceSent = await recordPageFrames(page))), people.launch('Bob')]);
  await introduce(alice, bob);
  await Promise.all([openChat(alice, 'Bob'), openChat(bob, 'Alice')]);
  await sendMessage(alice, 'Before');
  await expect(messageTexts(bob.page)).toHaveText(['Before']);
  await expect(pathStatus(alice.page)).toContainText('Direct');

  const from = aliceSent.length;
  await setRelayOnly(alice, true);
  await expect(pathStatus(alice.page)).toContainText('Server relay');
  await expect.poll(() => alice.page.evaluate(selectedPairs)).toEqual([]);
  await sendMessage(bob, 'After');
  await expect(messageTexts(alice.page)).toHaveText(['Before', 'After']);
  // Bob, whose channel was closed, offers again; Alice's answer carries no candidate.
  await expect.poll(() => signedSdps(aliceSent.slice(from)).length, { message: 'Alice answered Bob again' }).toBeGreaterThan(0);
  const after = signalsIn(aliceSent.slice(from));
  expect(candidatesIn(after)).toEqual([]);
  expect(revealingSdpAddresses(after)).toEqual([]);
});
