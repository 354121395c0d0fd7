import { beforeAll, describe, expect, it } from 'vitest';
import { generateIdentityKeys, type IdentityKeys } from '../../web/crypto/identity.ts';
import { firstPrekeyId, generateOneTimePrekeys, isPrekeyId, MAX_PREKEY_ID, nextPrekeyId, verifyBundle, type PrekeyBundle } from '../../web/crypto/prekeys.ts';
import { initiateX3dh, respondX3dh } from '../../web/crypto/x3dh.ts';
import { toBase64Url } from '../../web/protocol/encoding.ts';
import { bundleOf, cryptoCode, publishPrekeys, type PublishedPrekeys } from '../fixtures/sessions.ts';

let alice: IdentityKeys;
let bob: IdentityKeys;
let eve: IdentityKeys;
let bobPrekeys: PublishedPrekeys;
let evePrekeys: PublishedPrekeys;

beforeAll(async () => {
  [alice, bob, eve] = await Promise.all([generateIdentityKeys(), generateIdentityKeys(), generateIdentityKeys()]);
  [bobPrekeys, evePrekeys] = await Promise.all([publishPrekeys(bob), publishPrekeys(eve)]);
});

/** Another valid base64url string of the same length (the last character carries padding bits). */
const flipChar = (text: string, at = 10): string => text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1);

describe('X3DH', () => {
  it('gives both sides the same SK and AD with a one-time prekey, and names the key to delete', async () => {
    const a = await initiateX3dh(alice, bundleOf(bob, bobPrekeys), bob.id);
    expect(a.header).toEqual({
      identityKey: alice.id,
      ephemeralKey: a.header.ephemeralKey,
      signedPrekeyId: bobPrekeys.signedPrekey.id,
      oneTimePrekeyId: bobPrekeys.oneTimePrekey.id,
    });
    const b = await respondX3dh(bob, a.header, bobPrekeys);
    expect(b.sharedKey).toEqual(a.sharedKey);
    expect(a.sharedKey).toHaveLength(32);
    expect(b.associatedData).toEqual(new Uint8Array([...alice.publicKey, ...bob.publicKey]));
    expect(a.associatedData).toEqual(b.associatedData);
    expect(b.deleteOneTimePrekeyId).toBe(bobPrekeys.oneTimePrekey.id);
    expect(a.remoteRatchetKey).toBe(b.ratchetKeyPair.publicKey);
  });

  it('gives both sides the same SK without a one-time prekey, and a different one than with it', async () => {
    const a = await initiateX3dh(alice, bundleOf(bob, bobPrekeys, false), bob.id);
    expect(a.header.oneTimePrekeyId).toBeNull();
    const b = await respondX3dh(bob, a.header, { signedPrekey: bobPrekeys.signedPrekey, oneTimePrekey: undefined });
    expect(b.sharedKey).toEqual(a.sharedKey);
    expect(b.deleteOneTimePrekeyId).toBeNull();
    // DH4 is really mixed in: the same ephemeral key with a one-time prekey gives another SK.
    const withOpk = await respondX3dh(bob, { ...a.header, oneTimePrekeyId: bobPrekeys.oneTimePrekey.id }, bobPrekeys);
    expect(withOpk.sharedKey).not.toEqual(a.sharedKey);
  });

  it('fails closed on a bad signature: no SK, no header', async () => {
    const bundle = bundleOf(bob, bobPrekeys);
    const forged: PrekeyBundle = { ...bundle, signed: { ...bundle.signed, sig: flipChar(bundle.signed.sig) } };
    expect(await cryptoCode(() => verifyBundle(forged, bob.id))).toBe('bad_prekey_signature');
    expect(await cryptoCode(() => initiateX3dh(alice, forged, bob.id))).toBe('bad_prekey_signature');
  });

  it("refuses a bundle whose signed prekey the server swapped for its own", async () => {
    const bundle = bundleOf(bob, bobPrekeys);
    const serverKey = evePrekeys.signedPrekey;
    // Its own key under Bob's signature, its own signed prekey (signed by its own identity), and
    // Bob's own key relabelled with another ID or time: all fail Bob's signature.
    const swaps: PrekeyBundle[] = [
      { ...bundle, signed: { ...bundle.signed, key: serverKey.key } },
      { ...bundle, signed: { id: serverKey.id, key: serverKey.key, createdAt: serverKey.createdAt, sig: serverKey.sig } },
      { ...bundle, signed: { ...bundle.signed, id: bundle.signed.id + 1 } },
      { ...bundle, signed: { ...bundle.signed, createdAt: bundle.signed.createdAt + 1 } },
    ];
    for (const swapped of swaps) expect(await cryptoCode(() => initiateX3dh(alice, swapped, bob.id))).toBe('bad_prekey_signature');
    // A whole valid bundle of another identity, handed out as Bob's.
    expect(await cryptoCode(() => initiateX3dh(alice, bundleOf(eve, evePrekeys), bob.id))).toBe('bundle_wrong_identity');
  });

  it('refuses malformed bundles', async () => {
    const bundle = bundleOf(bob, bobPrekeys);
    const broken: unknown[] = [
      null,
      { ...bundle, peer: 'nope' },
      { ...bundle, signed: { ...bundle.signed, id: 0 } },
      { ...bundle, signed: { ...bundle.signed, id: MAX_PREKEY_ID + 1 } },
      { ...bundle, signed: { ...bundle.signed, sig: 'short' } },
      { ...bundle, oneTime: { id: 1.5, key: bundle.oneTime!.key } },
      { ...bundle, oneTime: null },
    ];
    for (const b of broken) expect(await cryptoCode(() => verifyBundle(b as PrekeyBundle, bob.id))).toBe('bad_bundle');
  });

  it('a one-time prekey the server swapped only stops the session (it is unsigned by design)', async () => {
    // X3DH does not sign one-time prekeys: a substitute still needs Bob's signed prekey and
    // identity key for DH1-DH3, so the server learns nothing; Bob just derives another SK.
    const bundle = { ...bundleOf(bob, bobPrekeys), oneTime: { id: bobPrekeys.oneTimePrekey.id, key: evePrekeys.oneTimePrekey.key } };
    const a = await initiateX3dh(alice, bundle, bob.id);
    const b = await respondX3dh(bob, a.header, bobPrekeys);
    expect(b.sharedKey).not.toEqual(a.sharedKey);
  });

  it('the responder refuses unknown prekeys, so a replayed initial message cannot start a session again', async () => {
    const a = await initiateX3dh(alice, bundleOf(bob, bobPrekeys), bob.id);
    // After the first, Bob deleted the one-time prekey: the same header finds nothing.
    expect(await cryptoCode(() => respondX3dh(bob, a.header, { signedPrekey: bobPrekeys.signedPrekey, oneTimePrekey: undefined }))).toBe(
      'unknown_one_time_prekey',
    );
    const [other] = await generateOneTimePrekeys(nextPrekeyId(bobPrekeys.oneTimePrekey.id), 1);
    expect(await cryptoCode(() => respondX3dh(bob, a.header, { signedPrekey: bobPrekeys.signedPrekey, oneTimePrekey: other }))).toBe(
      'unknown_one_time_prekey',
    );
    expect(await cryptoCode(() => respondX3dh(bob, a.header, { signedPrekey: undefined, oneTimePrekey: bobPrekeys.oneTimePrekey }))).toBe(
      'unknown_signed_prekey',
    );
    expect(await cryptoCode(() => respondX3dh(bob, { ...a.header, signedPrekeyId: 1 }, bobPrekeys))).toBe('unknown_signed_prekey');
  });

  it('refuses a low-order ephemeral key and a malformed header', async () => {
    const a = await initiateX3dh(alice, bundleOf(bob, bobPrekeys), bob.id);
    const lowOrder = toBase64Url(new Uint8Array(32)); // the point 0: every DH with it is all zeros
    expect(await cryptoCode(() => respondX3dh(bob, { ...a.header, ephemeralKey: lowOrder }, bobPrekeys))).toBe('bad_key');
    expect(await cryptoCode(() => respondX3dh(bob, { ...a.header, ephemeralKey: 'short' }, bobPrekeys))).toBe('bad_key');
    expect(await cryptoCode(() => respondX3dh(bob, { ...a.header, identityKey: 'x' }, bobPrekeys))).toBe('bad_header');
  });

  it('counts prekey IDs in the 32-bit range, never 0', () => {
    expect(nextPrekeyId(1)).toBe(2);
    expect(nextPrekeyId(MAX_PREKEY_ID)).toBe(1);
    for (let i = 0; i < 100; i++) expect(isPrekeyId(firstPrekeyId())).toBe(true);
    expect(isPrekeyId(0)).toBe(false);
  });
});
