import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AEAD_TAG_BYTES, openWith, sealInto } from '../../web/crypto/aead.ts';
import { sodium } from '../../web/crypto/sodium.ts';

// sealInto and openWith call libsodium's C functions through the Emscripten module, past the
// wrapper: they must agree exactly with the wrapper's crypto_aead_xchacha20poly1305_ietf_encrypt
// and _decrypt.

/** Plaintext (up to a largest message and more), associated data, nonce, key. */
const AEAD_INPUTS = [
  fc.uint8Array({ maxLength: 20_000 }),
  fc.uint8Array({ maxLength: 300 }),
  fc.uint8Array({ minLength: 24, maxLength: 24 }),
  fc.uint8Array({ minLength: 32, maxLength: 32 }),
] as const;

describe('sealInto', () => {
  it('writes byte for byte the ciphertext of the wrapper, at the offset, and touches nothing else', async () => {
    const s = await sodium();
    fc.assert(
      fc.property(
        ...AEAD_INPUTS,
        fc.nat(40),
        (plaintext, ad, nonce, key, offset) => {
          const out = new Uint8Array(offset + plaintext.length + AEAD_TAG_BYTES + 3).fill(0xa5);
          sealInto(s, out, offset, plaintext, ad, nonce, key);
          const expected = s.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, ad, null, nonce, key);
          expect(out.subarray(offset, offset + expected.length)).toEqual(expected);
          expect([...out.subarray(0, offset), ...out.subarray(offset + expected.length)].every((b) => b === 0xa5)).toBe(true);
          expect(s.crypto_aead_xchacha20poly1305_ietf_decrypt(null, expected, ad, nonce, key)).toEqual(plaintext);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('refuses a wrong key or nonce length, or too little room, and writes nothing', async () => {
    const s = await sodium();
    const out = new Uint8Array(64);
    const plaintext = new Uint8Array(10);
    expect(() => sealInto(s, out, 0, plaintext, new Uint8Array(0), new Uint8Array(24), new Uint8Array(31))).toThrow('invalid key or nonce length');
    expect(() => sealInto(s, out, 0, plaintext, new Uint8Array(0), new Uint8Array(12), new Uint8Array(32))).toThrow('invalid key or nonce length');
    expect(() => sealInto(s, out, 40, plaintext, new Uint8Array(0), new Uint8Array(24), new Uint8Array(32))).toThrow('output too short');
    expect(out.every((b) => b === 0)).toBe(true);
  });
});

describe('openWith', () => {
  it('reads what the wrapper sealed, and refuses what the wrapper refuses', async () => {
    const s = await sodium();
    fc.assert(
      fc.property(
        ...AEAD_INPUTS,
        fc.nat(),
        (plaintext, ad, nonce, key, flip) => {
          const sealed = s.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, ad, null, nonce, key);
          expect(openWith(s, sealed, ad, nonce, key, (view) => view.slice())).toEqual({ value: plaintext });
          const altered = sealed.slice();
          altered[flip % altered.length]! ^= 1 << flip % 8;
          let read = false;
          expect(openWith(s, altered, ad, nonce, key, () => (read = true))).toBeNull();
          expect(read).toBe(false);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('hands over a view that is wiped once read returns', async () => {
    const s = await sodium();
    const [nonce, key] = [new Uint8Array(24), new Uint8Array(32).fill(3)];
    const sealed = s.crypto_aead_xchacha20poly1305_ietf_encrypt(new Uint8Array(64).fill(7), null, null, nonce, key);
    let kept: Uint8Array | null = null;
    expect(openWith(s, sealed, new Uint8Array(0), nonce, key, (view) => ((kept = view), view.every((b) => b === 7)))).toEqual({ value: true });
    expect(kept!.every((b) => b === 0)).toBe(true);
  });

  it('refuses a ciphertext shorter than its tag', async () => {
    const s = await sodium();
    expect(openWith(s, new Uint8Array(15), new Uint8Array(0), new Uint8Array(24), new Uint8Array(32), () => 1)).toBeNull();
  });
});
