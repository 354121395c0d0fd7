import { beforeAll, describe, expect, it } from 'vitest';
import { generateIdentityKeys, type IdentityKeys } from '../../web/crypto/identity.ts';
import { checkSignedSdp, signSdp } from '../../web/crypto/signed-sdp.ts';
import { SIGNAL_LIMITS } from '../../web/protocol/limits.ts';

let alice: IdentityKeys;
let bob: IdentityKeys;
let eve: IdentityKeys;
const sdp = 'v=0\r\na=fingerprint:sha-256 AA:BB\r\n';
const sid = 'AAAAAAAAAAAAAAAAAAAAAA';

beforeAll(async () => {
  [alice, bob, eve] = await Promise.all([generateIdentityKeys(), generateIdentityKeys(), generateIdentityKeys()]);
});

describe('signed SDP', () => {
  it('verifies for the named recipient and sender only', async () => {
    const offer = await signSdp(alice, bob.id, { kind: 'offer', sid, sdp });
    expect(await checkSignedSdp(offer, alice.id, bob.id)).toBe('ok');
    expect(await checkSignedSdp(offer, alice.id, eve.id)).toBe('bad_signature'); // forwarded to someone else
    expect(await checkSignedSdp(offer, eve.id, bob.id)).toBe('bad_signature'); // claimed by someone else
  });

  it('binds every field: fingerprint, kind, session and time', async () => {
    const offer = await signSdp(alice, bob.id, { kind: 'offer', sid, sdp });
    const swapped = { ...offer, sdp: sdp.replace('AA:BB', 'CC:DD') };
    expect(await checkSignedSdp(swapped, alice.id, bob.id)).toBe('bad_signature');
    expect(await checkSignedSdp({ ...offer, kind: 'answer' }, alice.id, bob.id)).toBe('bad_signature');
    expect(await checkSignedSdp({ ...offer, sid: 'BAAAAAAAAAAAAAAAAAAAAA' }, alice.id, bob.id)).toBe('bad_signature');
    expect(await checkSignedSdp({ ...offer, ts: offer.ts + 1 }, alice.id, bob.id)).toBe('bad_signature');
  });

  it('refuses an old offer even with a valid signature', async () => {
    const now = Date.now();
    const old = await signSdp(alice, bob.id, { kind: 'offer', sid, sdp }, now - SIGNAL_LIMITS.maxOfferSkewMs - 1);
    expect(await checkSignedSdp(old, alice.id, bob.id, now)).toBe('stale');
  });
});
