import { hkdfSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hkdf, hkdfExpand, hkdfExtract } from '../../web/crypto/hkdf.ts';
import { sodium } from '../../web/crypto/sodium.ts';

const hex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'hex'));
const range = (from: number, to: number): Uint8Array => new Uint8Array(to - from + 1).map((_, i) => from + i);

describe('HKDF-SHA256 on libsodium HMAC', () => {
  it('matches the RFC 5869 test vectors (cases 1-3)', async () => {
    const s = await sodium();
    const ikm = new Uint8Array(22).fill(0x0b);
    const prk1 = hkdfExtract(s, range(0x00, 0x0c), ikm);
    expect(Buffer.from(prk1).toString('hex')).toBe('077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5');
    expect(Buffer.from(hkdfExpand(s, prk1, range(0xf0, 0xf9), 42)).toString('hex')).toBe(
      '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
    );
    const okm2 = hkdf(s, range(0x00, 0x4f), range(0x60, 0xaf), range(0xb0, 0xff), 82);
    expect(okm2).toEqual(
      hex(
        'b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09' +
          'da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87',
      ),
    );
    // Case 3 has no salt, which RFC 5869 defines as HashLen zero bytes: the form sessions use.
    const okm3 = hkdf(s, ikm, new Uint8Array(32), new Uint8Array(0), 42);
    expect(okm3).toEqual(hex('8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8'));
  });

  it("agrees with Node's HKDF for any input", async () => {
    const s = await sodium();
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 100 }),
        fc.uint8Array({ maxLength: 100 }),
        fc.uint8Array({ maxLength: 100 }),
        fc.integer({ min: 1, max: 200 }),
        (ikm, salt, info, length) => {
          const expected = new Uint8Array(hkdfSync('sha256', ikm, salt, info, length));
          expect(hkdf(s, ikm, salt.length === 0 ? new Uint8Array(32) : salt, info, length)).toEqual(expected);
        },
      ),
    );
  });

  it('refuses an output length RFC 5869 does not allow', async () => {
    const s = await sodium();
    expect(() => hkdfExpand(s, new Uint8Array(32), new Uint8Array(0), 255 * 32 + 1)).toThrow(RangeError);
    expect(() => hkdfExpand(s, new Uint8Array(32), new Uint8Array(0), 0)).toThrow(RangeError);
  });
});
