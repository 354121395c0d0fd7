import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ByteSearch, bytesForms, plaintextForms, type Finding } from '../fixtures/byte-search.ts';

// The search the at-rest test relies on to say "absent": it must find a secret in every form,
// wherever it sits, including across the chunks a memory dump is read in.

const labelsFound = (search: ByteSearch, haystack: Uint8Array): string[] => search.find('haystack', haystack).map((f) => f.label);

describe('byte search', () => {
  it('finds a key inside a longer base64 or base64url string, whatever its byte offset there', () => {
    const key = randomBytes(32);
    const search = new ByteSearch(bytesForms('key', key));
    for (const before of [0, 1, 2, 3, 7]) {
      const wrapped = Buffer.concat([randomBytes(before), key, randomBytes(5)]);
      for (const alphabet of ['base64', 'base64url'] as const) {
        const text = `{"x":"${wrapped.toString(alphabet)}"}`;
        expect(labelsFound(search, Buffer.from(text, 'utf8')).length, `${alphabet}, ${before} bytes before`).toBeGreaterThan(0);
        expect(labelsFound(search, Buffer.from(text, 'utf16le')).length, `${alphabet} as UTF-16LE`).toBeGreaterThan(0);
      }
    }
  });

  it('finds raw bytes and text in one- and two-byte form, and nothing that is not there', () => {
    const key = randomBytes(32);
    const canary = `canary-${randomBytes(16).toString('hex')}`;
    const search = new ByteSearch([...bytesForms('key', key), ...plaintextForms('canary', canary)]);
    expect(labelsFound(search, Buffer.concat([randomBytes(100), key]))).toEqual(['key (raw)']);
    expect(labelsFound(search, Buffer.from(`🐤 ${canary} 🐤`, 'utf16le'))).toEqual(['canary as UTF-16LE']);
    expect(labelsFound(search, Buffer.from(`say ${canary}`, 'utf8'))).toEqual(['canary as UTF-8']);
    expect(labelsFound(search, randomBytes(1 << 20))).toEqual([]);
  });

  it('finds a needle split across two chunks, at its address', () => {
    const key = randomBytes(32);
    const search = new ByteSearch(bytesForms('key', key));
    const haystack = Buffer.concat([randomBytes(1000), key, randomBytes(1000)]);
    const findings: Finding[] = [];
    const stream = search.stream('region', findings);
    stream.write(haystack.subarray(0, 1010), 0x5000);
    stream.write(haystack.subarray(1010), 0x5000 + 1010);
    expect(findings).toEqual([{ label: 'key (raw)', where: 'region', offset: 0x5000 + 1000 }]);
  });

  it('refuses needles short enough to match by chance', () => {
    expect(() => new ByteSearch([{ label: 'short', bytes: randomBytes(8) }])).toThrow(/shorter than/);
  });
});
