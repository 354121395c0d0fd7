import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AEAD_TAG_BYTES, sealInto } from '../../web/crypto/aead.ts';
import { sodium } from '../../web/crypto/sodium.ts';

// sealInto calls libsodium's C function through the Emscripten module, past the wrapper: it must
// give exactly what the wrapper's crypto_aead_xchacha20poly1305_ietf_encrypt gives, and what the
// wrapper's decrypt opens.

describe('sealInto', () => {
  it('writes byte for byte the ciphertext of the wrapper, at the offset, and touches nothing else', async () => {
    const s = await sodium();
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 20_000 }),
        fc.uint8Array({ maxLength: 300 }),
        fc.uint8Array({ minLength: 24, maxLength: 24 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
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
