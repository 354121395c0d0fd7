import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateIdentityKeys, type IdentityKeys } from '../../web/crypto/identity.ts';
import {
  checkSafetyQrPayload,
  SAFETY_NUMBER_ITERATIONS,
  safetyNumber,
  safetyQrPayload,
} from '../../web/crypto/safety-number.ts';

let alice: IdentityKeys;
let bob: IdentityKeys;
let eve: IdentityKeys;

beforeAll(async () => {
  [alice, bob, eve] = await Promise.all([generateIdentityKeys(), generateIdentityKeys(), generateIdentityKeys()]);
});

/** The documented construction, written again on Node's SHA-512 to check the module against. */
function referenceDigits(keys: IdentityKeys): string {
  let hash = Buffer.concat([Buffer.from([0, 0]), keys.publicKey, Buffer.from(keys.id, 'utf8')]);
  for (let i = 0; i < SAFETY_NUMBER_ITERATIONS; i++) hash = createHash('sha512').update(hash).update(keys.publicKey).digest();
  let digits = '';
  for (let offset = 0; offset < 30; offset += 5) digits += String(hash.readUIntBE(offset, 5) % 100_000).padStart(5, '0');
  return digits;
}

describe('safety numbers', () => {
  it('are 12 groups of 5 digits, built as documented, the same from either side', async () => {
    const number = await safetyNumber(alice.id, bob.id);
    expect(number).toHaveLength(12);
    for (const group of number) expect(group).toMatch(/^\d{5}$/);
    expect(await safetyNumber(bob.id, alice.id)).toEqual(number);
    const sides = [referenceDigits(alice), referenceDigits(bob)].sort();
    expect(number.join('')).toBe(sides.join(''));
  });

  it('change when either key changes', async () => {
    const number = (await safetyNumber(alice.id, bob.id)).join('');
    expect((await safetyNumber(alice.id, eve.id)).join('')).not.toBe(number);
    expect((await safetyNumber(eve.id, bob.id)).join('')).not.toBe(number);
  });

  it('QR payload: what the contact shows matches on my device, and only for the same keys', async () => {
    const shownByBob = await safetyQrPayload(bob.id, alice.id);
    expect(shownByBob).toMatch(/^tincan-safety:1:[\w-]{43}:[\w-]{43}$/);
    expect(await checkSafetyQrPayload(shownByBob, alice.id, bob.id)).toBe('match');
    expect(await checkSafetyQrPayload(`  ${shownByBob}\n`, alice.id, bob.id)).toBe('match');
    // My own code (a screenshot of my screen), a code made for someone else, and a code from a
    // device that has another key for me (a server in the middle) are all mismatches.
    expect(await checkSafetyQrPayload(await safetyQrPayload(alice.id, bob.id), alice.id, bob.id)).toBe('mismatch');
    expect(await checkSafetyQrPayload(await safetyQrPayload(bob.id, eve.id), alice.id, bob.id)).toBe('mismatch');
    expect(await checkSafetyQrPayload(await safetyQrPayload(eve.id, alice.id), alice.id, bob.id)).toBe('mismatch');
  });

  it('QR payload: an unknown version and garbage are told apart from a mismatch', async () => {
    const shownByBob = await safetyQrPayload(bob.id, alice.id);
    expect(await checkSafetyQrPayload(shownByBob.replace(':1:', ':2:'), alice.id, bob.id)).toBe('unknown_version');
    expect(await checkSafetyQrPayload('https://example.com/', alice.id, bob.id)).toBe('malformed');
    expect(await checkSafetyQrPayload(shownByBob.slice(0, -1), alice.id, bob.id)).toBe('malformed');
    expect(await checkSafetyQrPayload(shownByBob.replace('tincan-safety', 'other-safety'), alice.id, bob.id)).toBe('malformed');
  });
});
