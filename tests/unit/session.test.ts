import { describe, expect, it } from 'vitest';
import { generateIdentityKeys, type IdentityKeys } from '../../web/crypto/identity.ts';
import { openEnvelope, sealPlaintexts, SESSION_LIMITS, startSession, withNewSession, type SessionRow } from '../../web/crypto/session.ts';
import { fromUtf8, utf8 } from '../../web/protocol/encoding.ts';
import { ENVELOPE_TYPE, ENVELOPE_VERSION, parseEnvelope, type Envelope } from '../../web/protocol/envelope.ts';
import { bundleOf, cryptoCode, publishPrekeys, type PublishedPrekeys } from '../fixtures/sessions.ts';

// Sessions between two devices through the envelope, as the app stores them: first contact from a
// bundle, replies, both starting at once, replays, and a contact who starts over.

const MAX = 64 * 1024;

function parse(bytes: Uint8Array): Envelope {
  const envelope = parseEnvelope(bytes, MAX);
  if (typeof envelope === 'string') throw new Error(envelope);
  return envelope;
}

/** One device: identity, published prekeys, its session row with the other device. */
interface Device {
  keys: IdentityKeys;
  prekeys: PublishedPrekeys;
  row: SessionRow | undefined;
}

async function device(): Promise<Device> {
  const keys = await generateIdentityKeys();
  return { keys, prekeys: await publishPrekeys(keys), row: undefined };
}

/** `from` starts a session with `to` from `to`'s bundle (with or without a one-time prekey). */
async function start(from: Device, to: Device, withOneTime = true): Promise<void> {
  const session = await startSession(from.keys, to.keys.id, bundleOf(to.keys, to.prekeys, withOneTime), 1);
  from.row = withNewSession(from.row, to.keys.id, session);
}

async function seal(from: Device, ...texts: string[]): Promise<Uint8Array[]> {
  const sealed = await sealPlaintexts(from.row!, texts.map(utf8));
  from.row = sealed.row;
  return sealed.envelopes;
}

/** `to` opens an envelope from `from`, with its prekeys, and keeps the new row. */
async function open(to: Device, from: Device, bytes: Uint8Array) {
  const opened = await openEnvelope(to.keys, from.keys.id, to.row, parse(bytes), { signed: to.prekeys.signedPrekey, oneTime: to.prekeys.oneTimePrekey }, 2);
  to.row = opened.row;
  return { ...opened, text: fromUtf8(opened.plaintext) };
}

describe('sessions through envelopes', () => {
  it('first contact: every message carries the X3DH header until a reply, and any one of them starts the session', async () => {
    const [alice, bob] = await Promise.all([device(), device()]);
    await start(alice, bob);
    const [m1, m2, m3] = await seal(alice, 'one', 'two', 'three');
    for (const m of [m1!, m2!, m3!]) {
      expect(m[0]).toBe(ENVELOPE_VERSION);
      expect(m[1]).toBe(ENVELOPE_TYPE.initial);
    }
    // The first to arrive is the second one (paths differ): it starts Bob's session.
    const first = await open(bob, alice, m2!);
    expect(first.text).toBe('two');
    expect(first.usedOneTimePrekeyId).toBe(bob.prekeys.oneTimePrekey.id);
    expect(first.replacedWorkingSession).toBe(false);
    // The others carry the same header: they open in that session, using no prekey again.
    expect((await open(bob, alice, m3!)).text).toBe('three');
    const late = await open(bob, alice, m1!);
    expect([late.text, late.usedOneTimePrekeyId]).toEqual(['one', null]);

    const [reply] = await seal(bob, 'hi Alice');
    expect(reply![1]).toBe(ENVELOPE_TYPE.message);
    expect((await open(alice, bob, reply!)).text).toBe('hi Alice');
    // Alice has heard back: her next message is a plain ratchet message.
    const [next] = await seal(alice, 'four');
    expect(next![1]).toBe(ENVELOPE_TYPE.message);
    expect((await open(bob, alice, next!)).text).toBe('four');
  });

  it('a replayed envelope is a duplicate, before and after the reply', async () => {
    const [alice, bob] = await Promise.all([device(), device()]);
    await start(alice, bob);
    const [initial] = await seal(alice, 'hello');
    await open(bob, alice, initial!);
    expect(await cryptoCode(() => open(bob, alice, initial!))).toBe('duplicate');
    const [reply] = await seal(bob, 'hi');
    await open(alice, bob, reply!);
    const [later] = await seal(alice, 'again');
    await open(bob, alice, later!);
    expect(await cryptoCode(() => open(bob, alice, later!))).toBe('duplicate');
    expect(await cryptoCode(() => open(bob, alice, initial!))).toBe('duplicate');
  });

  it('an initial message replayed after its session was dropped does not start it again', async () => {
    const [alice, bob] = await Promise.all([device(), device()]);
    await start(alice, bob, false); // no one-time prekey: only the remembered base stops the replay
    const [initial] = await seal(alice, 'hello');
    await open(bob, alice, initial!);
    // Alice starts over SESSION_LIMITS.previousSessions + 1 times; the first session falls off.
    for (let i = 0; i <= SESSION_LIMITS.previousSessions; i++) {
      alice.row = undefined;
      await start(alice, bob, false);
      const [fresh] = await seal(alice, `restart ${i}`);
      await open(bob, alice, fresh!);
    }
    expect(bob.row!.previous.some((s) => s.base === parse(initial!).initial!.ephemeralKey)).toBe(false);
    expect(await cryptoCode(() => open(bob, alice, initial!))).toBe('duplicate');
  });

  it('refuses an initial message whose identity is not its sender', async () => {
    const [alice, bob, carol] = await Promise.all([device(), device(), device()]);
    await start(alice, bob);
    const [initial] = await seal(alice, 'hello');
    // The server says it came from Carol.
    expect(await cryptoCode(() => open(bob, carol, initial!))).toBe('identity_mismatch');
    expect(bob.row).toBeUndefined();
  });

  it('a message for another session, or with no session at all, does not open', async () => {
    const [alice, bob, carol] = await Promise.all([device(), device(), device()]);
    await start(alice, bob);
    await start(carol, bob);
    const [fromAlice] = await seal(alice, 'hello');
    await open(bob, alice, fromAlice!);
    const [reply] = await seal(bob, 'hi');
    await open(alice, bob, reply!);
    const [plain] = await seal(alice, 'plain');
    expect(await cryptoCode(() => openEnvelope(carol.keys, alice.keys.id, undefined, parse(plain!), { signed: undefined, oneTime: undefined }, 0))).toBe('no_session');
    expect(await cryptoCode(() => openEnvelope(bob.keys, alice.keys.id, carol.row, parse(plain!), { signed: undefined, oneTime: undefined }, 0))).toBe('decrypt_failed');
  });

  it('both starting at once: every message opens on both sides, and they end up in one session', async () => {
    const [alice, bob] = await Promise.all([device(), device()]);
    await start(alice, bob);
    await start(bob, alice);
    const [a1] = await seal(alice, 'a1');
    const [b1] = await seal(bob, 'b1');
    expect((await open(bob, alice, a1!)).text).toBe('a1');
    expect((await open(alice, bob, b1!)).text).toBe('b1');
    // Each now answers in the session the other's latest message opened in.
    const [a2] = await seal(alice, 'a2');
    const [b2] = await seal(bob, 'b2');
    expect((await open(bob, alice, a2!)).text).toBe('a2');
    expect((await open(alice, bob, b2!)).text).toBe('b2');
    // Messages that no longer cross settle it: from here on both send in the same session.
    const [a3] = await seal(alice, 'a3');
    expect((await open(bob, alice, a3!)).text).toBe('a3');
    const [b3] = await seal(bob, 'b3');
    expect((await open(alice, bob, b3!)).text).toBe('b3');
    expect(alice.row!.current.base).toBe(bob.row!.current.base);
    expect(alice.row!.current.state.x3dh).toBeNull();
  });

  it('a contact who starts over replaces a working session, which is reported; late messages of the old one still open', async () => {
    const [alice, bob] = await Promise.all([device(), device()]);
    await start(alice, bob);
    const [hello] = await seal(alice, 'hello');
    await open(bob, alice, hello!);
    const [reply] = await seal(bob, 'hi');
    await open(alice, bob, reply!);
    const [late] = await seal(alice, 'sent before the reinstall');

    const restored: Device = { ...alice, row: undefined }; // same identity, lost its sessions
    bob.prekeys = await publishPrekeys(bob.keys);
    await start(restored, bob);
    const [fresh] = await seal(restored, 'new device');
    const opened = await open(bob, restored, fresh!);
    expect([opened.text, opened.replacedWorkingSession]).toEqual(['new device', true]);
    expect((await open(bob, alice, late!)).text).toBe('sent before the reinstall');
  });

  it('an altered prefix (type, prekey IDs, identity) fails the check', async () => {
    const [alice, bob] = await Promise.all([device(), device()]);
    await start(alice, bob);
    const [initial] = await seal(alice, 'hello');
    for (const offset of [34, 69, 73]) {
      const altered = initial!.slice();
      altered[offset]! ^= 1;
      const fresh: Device = { ...bob, row: undefined };
      const code = await cryptoCode(() => open(fresh, alice, altered));
      expect(['decrypt_failed', 'unknown_signed_prekey', 'unknown_one_time_prekey', 'bad_key']).toContain(code);
    }
    const wrongVersion = initial!.slice();
    for (const version of [1, 2]) {
      wrongVersion[0] = version;
      expect(parseEnvelope(wrongVersion, MAX)).toBe('envelope_unknown_version');
    }
    const wrongType = initial!.slice();
    wrongType[1] = 3;
    expect(parseEnvelope(wrongType, MAX)).toBe('envelope_unknown_type');
  });
});
