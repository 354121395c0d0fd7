import { describe, expect, it } from 'vitest';
import { generateIdentityKeys } from '../../web/crypto/identity.ts';
import { safetyQrPayload } from '../../web/crypto/safety-number.ts';
import { decodeQrPixels } from '../../web/components/common/qr-decode.ts';
import { qrGrey, rgbaOf, type GreyImage } from '../fixtures/qr-pixels.ts';

// The pure QR reader behind "Upload QR image" and "Scan code" where the browser has no
// BarcodeDetector: codes drawn by the `qrcode` package (as the app draws them) must read back
// exactly, and pictures without a code must give null rather than an error or a guess.

/** A deterministic pseudo-random source, so that a failure can be replayed. */
function noise(seed: number): () => number {
  let state = seed;
  return () => {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    return state >>> 24;
  };
}

/** The picture pasted into a larger grey, noisy one at (x, y): a photo with the code somewhere in it. */
function embed(image: GreyImage, width: number, height: number, x: number, y: number): GreyImage {
  const next = noise(7);
  const luma = Uint8Array.from({ length: width * height }, () => 110 + (next() % 40));
  for (let row = 0; row < image.height; row++) luma.set(image.luma.subarray(row * image.width, (row + 1) * image.width), (y + row) * width + x);
  return { luma, width, height };
}

describe('decodeQrPixels', () => {
  it('reads back a safety code payload exactly', async () => {
    const [alice, bob] = await Promise.all([generateIdentityKeys(), generateIdentityKeys()]);
    const payload = await safetyQrPayload(bob.id, alice.id);
    expect(decodeQrPixels(rgbaOf(qrGrey(payload)))).toBe(payload);
  });

  it('finds a code anywhere in a larger picture, and a light-on-dark one', () => {
    const code = qrGrey('tincan-safety:1:somewhere', 3, 4);
    expect(decodeQrPixels(rgbaOf(embed(code, 400, 300, 170, 60)))).toBe('tincan-safety:1:somewhere');
    const inverted = { ...code, luma: code.luma.map((v) => 255 - v) };
    expect(decodeQrPixels(rgbaOf(inverted))).toBe('tincan-safety:1:somewhere');
  });

  it('gives null for pictures without a code', () => {
    const next = noise(42);
    const random = { luma: Uint8Array.from({ length: 200 * 200 }, () => next()), width: 200, height: 200 };
    expect(decodeQrPixels(rgbaOf(random))).toBeNull();
    expect(decodeQrPixels(rgbaOf({ luma: new Uint8Array(100 * 80).fill(255), width: 100, height: 80 }))).toBeNull();
    // A code with its middle painted over cannot be read.
    const damaged = qrGrey('tincan-safety:1:damaged');
    damaged.luma.fill(0, damaged.width * Math.floor(damaged.height / 3), damaged.width * Math.floor((2 * damaged.height) / 3));
    expect(decodeQrPixels(rgbaOf(damaged))).toBeNull();
  });

  it('gives null for pixel data that does not fit its size', () => {
    const code = rgbaOf(qrGrey('tincan'));
    expect(decodeQrPixels({ ...code, width: code.width + 1 })).toBeNull();
    expect(decodeQrPixels({ data: new Uint8ClampedArray(0), width: 0, height: 0 })).toBeNull();
  });
});
