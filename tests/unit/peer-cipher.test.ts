import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateIdentityKeys, type IdentityKeys } from '../../web/crypto/identity.ts';
import { CryptoError, PeerCipher } from '../../web/crypto/peer-cipher.ts';
import type { PeerFrame } from '../../web/protocol/peer-frames.ts';

let alice: IdentityKeys;
let bob: IdentityKeys;
let eve: IdentityKeys;
const frame: PeerFrame = { t: 'message', id: 'AAAAAAAAAAAAAAAAAAAAAA', seq: 1, ts: 1_700_000_000_000, text: 'canary 🐤' };

beforeAll(async () => {
  [alice, bob, eve] = await Promise.all([generateIdentityKeys(), generateIdentityKeys(), generateIdentityKeys()]);
});

const codeOf = async (promise: Promise<unknown>): Promise<string> => {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CryptoError) return error.code;
    throw error;
  }
  return 'opened';
};

describe('PeerCipher (interim crypto_box envelope)', () => {
  it('opens what the contact sealed, and the plaintext is not in the envelope', async () => {
    const envelope = await new PeerCipher(alice).seal(bob.id, frame);
    expect(Buffer.from(envelope).includes(Buffer.from('canary'))).toBe(false);
    expect(await new PeerCipher(bob).open(alice.id, envelope)).toEqual(frame);
  });

  it('rejects any single flipped bit', async () => {
    const envelope = await new PeerCipher(alice).seal(bob.id, frame);
    const receiver = new PeerCipher(bob);
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: envelope.length * 8 - 1 }), async (bit) => {
        const tampered = envelope.slice();
        tampered[bit >> 3]! ^= 1 << (bit & 7);
        expect(await codeOf(receiver.open(alice.id, tampered))).not.toBe('opened');
      }),
      { numRuns: 200 },
    );
  });

  it('rejects an unknown version, a truncated envelope and the wrong sender', async () => {
    const envelope = await new PeerCipher(alice).seal(bob.id, frame);
    const receiver = new PeerCipher(bob);
    const v9 = envelope.slice();
    v9[0] = 9;
    expect(await codeOf(receiver.open(alice.id, v9))).toBe('envelope_unknown_version');
    expect(await codeOf(receiver.open(alice.id, envelope.subarray(0, 30)))).toBe('envelope_too_short');
    expect(await codeOf(receiver.open(eve.id, envelope))).toBe('decrypt_failed');
  });

  it('rejects a message reflected back to its own sender', async () => {
    // Alice and Bob share one crypto_box key; only the sealed from/to stop a reflection.
    const envelope = await new PeerCipher(alice).seal(bob.id, frame);
    expect(await codeOf(new PeerCipher(alice).open(bob.id, envelope))).toBe('misaddressed');
  });
});
