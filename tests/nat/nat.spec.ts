import { expect } from '@playwright/test';
import { pathLabelsSeen, recordPathLabels } from '../fixtures/path-label-recorder.ts';
import { localIceUfrags, peerConnectionCount, selectedPairs, type SelectedPair } from '../fixtures/peer-connection-spy.ts';
import { candidatesIn, revealingCandidates, revealingSdpAddresses, signalsIn } from '../fixtures/ice-candidates.ts';
import { recordPageFrames } from '../fixtures/server-tap.ts';
import { addContact, createIdentity, deliveredMarks, introduce, inviteLinkOf, setRelayOnly, messageItems, messageTexts, openChat, pathStatus, sendMany } from '../fixtures/ui.ts';
import { test, type Bed, type BedOptions, type NatPerson } from './bed.ts';
import { recordTiming } from './timings.ts';

// The NAT matrix (issue 4): for each kind of network, the path Tincan ends up on, read from the
// browsers' own getStats, and messages flowing both ways, in order, exactly once.

const FULL_CONE = { nat: 'full-cone' } as const;
const SYMMETRIC = { nat: 'symmetric' } as const;

/** Two people in their homes who have added each other; Bob has Alice's chat open. */
async function meet(bed: Bed, options: BedOptions) {
  const { alice, bob } = (await bed.start(options)) as { alice: NatPerson; bob: NatPerson };
  await introduce(alice, bob);
  await openChat(bob, 'alice');
  return { alice, bob };
}

/**
 * Alice opens Bob's chat (which starts the connection) and sends one message, as a person would.
 * Measured inside the pages: from Enter to the text showing in Bob's open conversation (after
 * decryption and a durable commit there), and from opening the chat to Alice's path status
 * settling on `finalPath`.
 */
async function firstMessage(alice: NatPerson, bob: NatPerson, finalPath: RegExp): Promise<{ messageMs: number; pathMs: number }> {
  const text = 'first message';
  await bob.page.evaluate((text) => {
    const shown = (): boolean => document.querySelector('[aria-label="Messages"]')?.textContent?.includes(text) ?? false;
    (window as unknown as { arrival: Promise<number> }).arrival = new Promise((resolve) => {
      new MutationObserver(() => void (shown() && resolve(Date.now()))).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
  }, text);
  const pathSettled = alice.page.evaluate(
    (source) =>
      new Promise<number>((resolve) => {
        const pattern = new RegExp(source);
        const settled = (): boolean => pattern.test(document.querySelector('[aria-label="Connection path"]')?.textContent ?? '');
        new MutationObserver(() => void (settled() && resolve(Date.now()))).observe(document.body, { subtree: true, childList: true, characterData: true });
      }),
    finalPath.source,
  );
  const contact = alice.page.getByRole('list', { name: 'Contacts' }).getByRole('button', { name: 'bob', exact: true });
  const openedAt = await contact.evaluate((button: HTMLElement) => {
    const at = Date.now();
    button.click();
    return at;
  });
  const sentAt = await alice.page.getByRole('textbox', { name: 'Message' }).evaluate((box: HTMLTextAreaElement, text) => {
    box.value = text;
    box.dispatchEvent(new Event('input', { bubbles: true }));
    const at = Date.now();
    box.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true }));
    return at;
  }, text);
  const arrivedAt = await bob.page.evaluate(() => (window as unknown as { arrival: Promise<number> }).arrival);
  return { messageMs: arrivedAt - sentAt, pathMs: (await pathSettled) - openedAt };
}

/** `count` messages each way at once; both sides end with all of them, in order, once. */
async function exchange(alice: NatPerson, bob: NatPerson, count: number, label: string): Promise<void> {
  const fromAlice = Array.from({ length: count }, (_, i) => `${label} a→b ${i}`);
  const fromBob = Array.from({ length: count }, (_, i) => `${label} b→a ${i}`);
  const before = await messageTexts(alice.page).allTextContents();
  await Promise.all([sendMany(alice, fromAlice), sendMany(bob, fromBob)]);
  for (const [person, own, theirs] of [
    [alice, fromAlice, fromBob],
    [bob, fromBob, fromAlice],
  ] as const) {
    await expect(messageTexts(person.page)).toHaveCount(before.length + 2 * count, { timeout: 60_000 });
    const texts = (await messageTexts(person.page).allTextContents()).slice(before.length);
    expect(texts.filter((t) => own.includes(t))).toEqual(own);
    expect(texts.filter((t) => theirs.includes(t))).toEqual(theirs);
  }
}

/** The one connected peer connection's selected pair, as this browser's getStats reports it. */
async function selectedPair(person: NatPerson): Promise<SelectedPair> {
  let pairs: SelectedPair[] = [];
  await expect(async () => {
    pairs = await person.page.evaluate(selectedPairs);
    expect(pairs.filter((p) => p.state === 'succeeded')).toHaveLength(1);
  }).toPass({ timeout: 20_000 });
  return pairs[0]!;
}

test('(a) both behind full-cone NAT: direct, through the NATs’ public addresses', async ({ bed }) => {
  const { alice, bob } = await meet(bed, { homes: { alice: FULL_CONE, bob: FULL_CONE }, turn: true });
  const timing = await firstMessage(alice, bob, /Direct/);
  for (const [person, peer] of [
    [alice, bob],
    [bob, alice],
  ] as const) {
    await expect(pathStatus(person.page)).toContainText('Direct');
    const pair = await selectedPair(person);
    expect(pair.localType).not.toBe('relay');
    expect(['srflx', 'prflx']).toContain(pair.remoteType);
  }
  await exchange(alice, bob, 20, 'cone');
  // The packets went between the two routers' public addresses: the NATs were punched through.
  for (const [person, peer] of [
    [alice, bob],
    [bob, alice],
  ] as const) {
    const flow = bed.network.udpFlowTo(person.home, peer.home.publicIp);
    expect(flow.out).toBeGreaterThan(20);
    expect(flow.back).toBeGreaterThan(20);
  }
  recordTiming('(a) full cone ↔ full cone', 'Direct (srflx)', timing);
});

test('(b) both behind symmetric NAT: TURN relay', async ({ bed }) => {
  const { alice, bob } = await meet(bed, { homes: { alice: SYMMETRIC, bob: SYMMETRIC }, turn: true });
  const timing = await firstMessage(alice, bob, /TURN relay/);
  for (const person of [alice, bob]) {
    await expect(pathStatus(person.page)).toContainText('TURN relay');
    const pair = await selectedPair(person);
    expect([pair.localType, pair.remoteType]).toContain('relay');
  }
  await exchange(alice, bob, 20, 'symmetric');
  // Probes towards the other router went unanswered: a symmetric NAT cannot be punched through.
  expect(bed.network.udpFlowTo(alice.home, bob.home.publicIp).back).toBe(0);
  expect(bed.network.udpFlowTo(bob.home, alice.home.publicIp).back).toBe(0);
  recordTiming('(b) symmetric ↔ symmetric', 'TURN relay', timing);
});

test('(c) symmetric NAT with TURN down: server relay, every message delivered', async ({ bed }) => {
  const { alice, bob } = await meet(bed, { homes: { alice: SYMMETRIC, bob: SYMMETRIC }, turn: false });
  const timing = await firstMessage(alice, bob, /Server relay/);
  await exchange(alice, bob, 30, 'no-turn');
  for (const person of [alice, bob]) {
    // The bounded ICE attempt gives up and the status says what carries the messages.
    await expect(pathStatus(person.page)).toContainText('Server relay', { timeout: 30_000 });
    expect(await person.page.evaluate(selectedPairs)).toEqual([]);
  }
  await expect(deliveredMarks(alice.page)).toHaveCount(31);
  await expect(deliveredMarks(bob.page)).toHaveCount(30);
  // The status reads Server relay from the start; only the message time means something here.
  recordTiming('(c) symmetric ↔ symmetric, TURN down', 'Server relay', { messageMs: timing.messageMs, pathMs: null });
});

test('(d) outbound UDP blocked: TURN over TCP', async ({ bed }) => {
  const blocked = { nat: 'full-cone', blockUdp: true } as const;
  const { alice, bob } = await meet(bed, { homes: { alice: blocked, bob: blocked }, turn: true });
  const timing = await firstMessage(alice, bob, /TURN relay/);
  for (const person of [alice, bob]) {
    await expect(pathStatus(person.page)).toContainText('TURN relay');
    const pair = await selectedPair(person);
    expect(pair.localType).toBe('relay');
    expect(pair.localRelayProtocol).toBe('tcp');
  }
  await exchange(alice, bob, 20, 'tcp');
  recordTiming('(d) UDP blocked on both sides', 'TURN relay (TCP)', timing);
});

test('(e) recipient offline: the mailbox keeps the messages until he is back', async ({ bed }) => {
  const { alice, bob } = await meet(bed, { homes: { alice: FULL_CONE, bob: FULL_CONE }, turn: true });
  await openChat(alice, 'bob');
  await bed.close(bob);
  await expect(pathStatus(alice.page)).toContainText('Queued (offline)');
  const texts = Array.from({ length: 10 }, (_, i) => `while away ${i}`);
  await sendMany(alice, texts);
  await expect(messageItems(alice.page).getByRole('img', { name: 'Sent' })).toHaveCount(10);

  await bed.reopen(bob);
  await openChat(bob, 'alice');
  await expect(messageTexts(bob.page)).toHaveText(texts);
  await expect(deliveredMarks(alice.page)).toHaveCount(10);
  await expect(pathStatus(alice.page)).toContainText('Direct');
});

test('(f) 5% loss and 100 ms delay each way: still direct, still in order', async ({ bed }) => {
  const lossy = { nat: 'full-cone', impairment: { delayMs: 100, lossPercent: 5 } } as const;
  const { alice, bob } = await meet(bed, { homes: { alice: lossy, bob: lossy }, turn: true });
  const timing = await firstMessage(alice, bob, /Direct/);
  await exchange(alice, bob, 30, 'lossy');
  for (const person of [alice, bob]) {
    await expect(pathStatus(person.page)).toContainText('Direct');
    expect((await selectedPair(person)).localType).not.toBe('relay');
  }
  recordTiming('(f) full cone, 5% loss + 100 ms delay', 'Direct (srflx)', timing);
});

test('(g) privacy mode behind full-cone NAT: TURN relay, and no address of Alice’s reaches the server', async ({ bed }) => {
  const sent: Record<string, string[]> = {};
  const { alice, bob } = (await bed.start({
    homes: { alice: FULL_CONE, bob: FULL_CONE },
    turn: true,
    beforeOpen: async (name, page) => void (sent[name] = await recordPageFrames(page)),
  })) as { alice: NatPerson; bob: NatPerson };
  await Promise.all([createIdentity(alice), createIdentity(bob)]);
  await setRelayOnly(alice, true); // before she has a contact to connect to
  const [linkA, linkB] = await Promise.all([inviteLinkOf(alice), inviteLinkOf(bob)]);
  await Promise.all([addContact(alice, linkB), addContact(bob, linkA)]);
  await openChat(bob, 'alice');
  const timing = await firstMessage(alice, bob, /TURN relay/);
  await exchange(alice, bob, 10, 'private');
  expect((await selectedPair(alice)).localType).toBe('relay');

  // What the server saw from Alice: relay candidates (coturn's address) and nothing else.
  const aliceSignals = signalsIn(sent.alice!);
  const aliceCandidates = candidatesIn(aliceSignals);
  expect(aliceCandidates.filter((c) => c.includes(' typ relay ')).length).toBeGreaterThan(0);
  expect(revealingCandidates(aliceCandidates)).toEqual([]);
  expect(revealingSdpAddresses(aliceSignals)).toEqual([]);
  expect(sent.alice!.join('\n')).not.toContain(alice.home.publicIp);
  expect(sent.alice!.join('\n')).not.toContain(alice.home.hostIp);
  // The control: the same check finds Bob's router address in what Bob sent.
  expect(revealingCandidates(candidatesIn(signalsIn(sent.bob!))).some((c) => c.includes(` ${bob.home.publicIp} `))).toBe(true);
  recordTiming('(g) privacy mode (relay-only), full cone', 'TURN relay', timing);
});

test('the home’s public address changes (NAT rebinding): the same connection carries on', async ({ bed }) => {
  const { alice, bob } = await meet(bed, { homes: { alice: FULL_CONE, bob: FULL_CONE }, turn: true });
  await firstMessage(alice, bob, /Direct/);
  await expect(pathStatus(bob.page)).toContainText('Direct');
  // (Both opened the chat at once, so one side may have made a second, yielded, attempt.)
  const connectionsBefore = await Promise.all([alice, bob].map((p) => p.page.evaluate(peerConnectionCount)));

  const [newAddress] = bed.network.changePublicAddresses(alice.home);
  bed.log(`public address changed: alice ${newAddress}`);
  await exchange(alice, bob, 10, 'rebound');
  // ICE follows Alice to her new public address (a peer-reflexive candidate) by itself: Bob's
  // router sees the connection's traffic both ways with that address. Chromium takes 10-15 s to
  // give up on the old pair here; what was written on the channel meanwhile waits, not lost.
  const flowPackets = () => Math.min(...Object.values(bed.network.udpFlowTo(bob.home, newAddress)));
  await expect.poll(flowPackets, { timeout: 60_000 }).toBeGreaterThan(10);
  await exchange(alice, bob, 10, 'after');
  for (const person of [alice, bob]) await expect(pathStatus(person.page)).toContainText('Direct');
  expect(await Promise.all([alice, bob].map((p) => p.page.evaluate(peerConnectionCount)))).toEqual(connectionsBefore);
});

test('the host moves to another network address: the same connection carries on', async ({ bed }) => {
  const { alice, bob } = await meet(bed, { homes: { alice: FULL_CONE, bob: FULL_CONE }, turn: true });
  await firstMessage(alice, bob, /Direct/);
  await expect(pathStatus(bob.page)).toContainText('Direct');
  const connectionsBefore = await Promise.all([alice, bob].map((p) => p.page.evaluate(peerConnectionCount)));

  bed.network.changeHostAddress(alice.home);
  await exchange(alice, bob, 10, 'moved');
  for (const person of [alice, bob]) await expect(pathStatus(person.page)).toContainText('Direct');
  expect(await Promise.all([alice, bob].map((p) => p.page.evaluate(peerConnectionCount)))).toEqual(connectionsBefore);
  const flow = bed.network.udpFlowTo(bob.home, alice.home.publicIp);
  expect(flow.back).toBeGreaterThan(10);
});

test('both homes’ public addresses change at once: ICE restart on the same connection, nothing lost', async ({ bed }) => {
  const { alice, bob } = await meet(bed, { homes: { alice: FULL_CONE, bob: FULL_CONE }, turn: true });
  await firstMessage(alice, bob, /Direct/);
  await expect(pathStatus(bob.page)).toContainText('Direct');
  const connectionsBefore = await Promise.all([alice, bob].map((p) => p.page.evaluate(peerConnectionCount)));
  const ufragsBefore = await Promise.all([alice, bob].map((p) => p.page.evaluate(localIceUfrags)));

  // Every label the status takes from now on, in both pages: the loss may show only briefly.
  for (const person of [alice, bob]) await person.page.evaluate(recordPathLabels);
  // Neither side can reach the address it knows for the other: ICE cannot heal this by itself.
  const [aliceAddress, bobAddress] = bed.network.changePublicAddresses(alice.home, bob.home);
  bed.log(`public addresses changed: alice ${aliceAddress}, bob ${bobAddress}`);
  // Whoever notices first shows it; the other may be restarted at its request before its own
  // ICE gives up on the old pair, and never show it.
  const labelsSeen = async () => (await Promise.all([alice, bob].map((p) => p.page.evaluate(pathLabelsSeen)))).flat();
  await expect.poll(async () => (await labelsSeen()).some((label) => !label.includes('Direct'))).toBe(true);
  // Sent while the old path is dead and the new one is not up: they go by the server meanwhile.
  await exchange(alice, bob, 10, 'during');

  for (const person of [alice, bob]) await expect(pathStatus(person.page)).toContainText('Direct');
  // The same RTCPeerConnections, with fresh ICE credentials on both sides: restarted, not replaced.
  expect(await Promise.all([alice, bob].map((p) => p.page.evaluate(peerConnectionCount)))).toEqual(connectionsBefore);
  const ufragsAfter = await Promise.all([alice, bob].map((p) => p.page.evaluate(localIceUfrags)));
  for (const i of [0, 1]) expect(ufragsAfter[i]!.at(-1)).not.toBe(ufragsBefore[i]!.at(-1));
  await exchange(alice, bob, 10, 'after');
  const flow = bed.network.udpFlowTo(alice.home, bobAddress);
  expect(flow.out).toBeGreaterThan(10);
  expect(flow.back).toBeGreaterThan(10);
  expect(bed.network.udpFlowTo(bob.home, aliceAddress).back).toBeGreaterThan(10);
});
