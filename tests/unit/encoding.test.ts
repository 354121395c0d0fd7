import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromBase64Url, fromUtf8, toBase64Url } from '../../web/protocol/encoding.ts';
import { isPeerId, isRandomId, peerIdToBytes } from '../../web/protocol/ids.ts';

describe('base64url', () => {
  it('round-trips any bytes and matches Node’s encoder', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        const text = toBase64Url(bytes);
        expect(text).toBe(Buffer.from(bytes).toString('base64url'));
        expect(fromBase64Url(text)).toEqual(bytes);
      }),
    );
  });

  it('encodes inputs longer than one chunk of characters (envelopes through the server)', () => {
    for (const length of [3071, 3072, 3073, 64 * 1024]) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 167) & 255);
      const text = toBase64Url(bytes);
      expect(text).toBe(Buffer.from(bytes).toString('base64url'));
      expect(fromBase64Url(text)).toEqual(bytes);
    }
  });

  it('rejects foreign characters, padding, impossible lengths and non-canonical trailing bits', () => {
    expect(fromBase64Url('ab+c')).toBeNull();
    expect(fromBase64Url('ab/c')).toBeNull();
    expect(fromBase64Url('abc=')).toBeNull();
    expect(fromBase64Url('abcde')).toBeNull();
    expect(fromBase64Url('AB')).toBeNull(); // 'B' leaves a set bit past the single byte
    expect(fromBase64Url('AA')).toEqual(new Uint8Array([0]));
    expect(fromBase64Url('AAB')).toBeNull(); // 'B' leaves a set bit past the two bytes
    expect(fromBase64Url('a\u00e9bc')).toBeNull();
    expect(fromBase64Url('ab\u{1F600}')).toBeNull();
    expect(fromBase64Url(String.fromCharCode(0x141, 0x41, 0x41, 0x41))).toBeNull(); // 'A' + 256 is not 'A'
  });

  it('decodes exactly the canonical strings, to the bytes Node decodes', () => {
    const chars = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/ é'.split(''));
    fc.assert(
      fc.property(fc.array(chars, { maxLength: 40 }).map((c) => c.join('')), (text) => {
        const bytes = fromBase64Url(text);
        const canonical = /^[A-Za-z0-9_-]*$/.test(text) && Buffer.from(text, 'base64url').toString('base64url') === text;
        expect(bytes !== null).toBe(canonical);
        if (bytes) expect(Buffer.from(bytes)).toEqual(Buffer.from(text, 'base64url'));
      }),
    );
  });
});

describe('peer IDs', () => {
  it('accepts exactly the canonical encoding of 32 bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (key) => {
        const id = toBase64Url(key);
        expect(isPeerId(id)).toBe(true);
        expect(peerIdToBytes(id)).toEqual(key);
      }),
    );
    const id = toBase64Url(new Uint8Array(32).fill(7));
    expect(isPeerId(id.slice(0, 42))).toBe(false);
    expect(isPeerId(`${id.slice(0, 42)}B`)).toBe(false);
    expect(isPeerId(`${id.slice(0, 42)}=`)).toBe(false);
    expect(isPeerId(42)).toBe(false);
  });

  it('random IDs are 16 bytes', () => {
    expect(isRandomId(toBase64Url(new Uint8Array(16).fill(255)))).toBe(true);
    expect(isRandomId(toBase64Url(new Uint8Array(15)))).toBe(false);
  });
});

describe('utf8', () => {
  it('refuses malformed UTF-8 instead of substituting characters', () => {
    expect(fromUtf8(new Uint8Array([0xff, 0xfe]))).toBeNull();
    expect(fromUtf8(new TextEncoder().encode('héllo ✓'))).toBe('héllo ✓');
  });
});
