import { beforeAll, describe, expect, it } from 'vitest';
import { BACKUP_DEFAULT_COST, exportIdentity, importIdentity } from '../../web/crypto/backup.ts';
import { generateIdentityKeys, type IdentityKeys } from '../../web/crypto/identity.ts';
import { sodium } from '../../web/crypto/sodium.ts';
import { fromBase64Url, toBase64Url } from '../../web/protocol/encoding.ts';
import { cryptoCode } from '../fixtures/sessions.ts';

// Tests use libsodium's smallest Argon2id cost (1 pass over 8 KiB); the default is checked once.
const CHEAP = { opsLimit: 1, memLimit: 8192 };
const PASSPHRASE = 'correct horse battery staple';

let me: IdentityKeys;
let file: string;

beforeAll(async () => {
  me = await generateIdentityKeys();
  file = await exportIdentity(me, 'Ada 🐤', PASSPHRASE, CHEAP);
});

/** The backup with one JSON field changed. */
const withField = (path: string[], value: unknown): string => {
  const json = JSON.parse(file) as Record<string, unknown>;
  let at = json;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string, unknown>;
  at[path.at(-1)!] = value;
  return JSON.stringify(json);
};

const flipChar = (text: string, index: number): string => text.slice(0, index) + (text[index] === 'A' ? 'B' : 'A') + text.slice(index + 1);

describe('identity backup', () => {
  it('round-trips the key pair and the name, and holds neither in clear', async () => {
    const restored = await importIdentity(file, PASSPHRASE);
    expect(restored.name).toBe('Ada 🐤');
    expect(restored.keys).toEqual(me);
    expect(file).not.toContain(toBase64Url(me.secretKey));
    expect(file).not.toContain(toBase64Url(me.secretKey.subarray(0, 32)));
    expect(file).not.toContain('Ada');
    expect(JSON.parse(file)).toMatchObject({ format: 'tincan-identity-backup', version: 1, kdf: { alg: 'argon2id13', ...CHEAP } });
  });

  it('refuses a wrong passphrase', async () => {
    expect(await cryptoCode(() => importIdentity(file, 'correct horse battery stapler'))).toBe('backup_wrong_passphrase');
    expect(await cryptoCode(() => importIdentity(file, ''))).toBe('backup_wrong_passphrase');
  });

  it('accepts the same passphrase in another Unicode normalisation', async () => {
    const composed = await exportIdentity(me, 'x', 'caf\u00e9', CHEAP);
    expect((await importIdentity(composed, 'cafe\u0301')).keys.id).toBe(me.id);
  });

  it('refuses a tampered file', async () => {
    const { ciphertext, nonce } = JSON.parse(file) as { ciphertext: string; nonce: string };
    expect(await cryptoCode(() => importIdentity(withField(['ciphertext'], flipChar(ciphertext, 10)), PASSPHRASE))).toBe('backup_tampered');
    expect(await cryptoCode(() => importIdentity(withField(['nonce'], flipChar(nonce, 3)), PASSPHRASE))).toBe('backup_tampered');
    expect(await cryptoCode(() => importIdentity(withField(['ciphertext'], toBase64Url(fromBase64Url(ciphertext)!.subarray(0, -4))), PASSPHRASE))).toBe('backup_tampered');
    // The salt and costs make the key, so changing them reads as a wrong passphrase.
    expect(await cryptoCode(() => importIdentity(withField(['kdf', 'opsLimit'], 2), PASSPHRASE))).toBe('backup_wrong_passphrase');
    expect(await cryptoCode(() => importIdentity(withField(['nonce'], 'short'), PASSPHRASE))).toBe('backup_malformed');
  });

  it('refuses an unknown version, other files, and costs outside the accepted range', async () => {
    expect(await cryptoCode(() => importIdentity(withField(['version'], 2), PASSPHRASE))).toBe('backup_unknown_version');
    expect(await cryptoCode(() => importIdentity('not json', PASSPHRASE))).toBe('backup_malformed');
    expect(await cryptoCode(() => importIdentity('{"format":"something-else","version":1}', PASSPHRASE))).toBe('backup_malformed');
    expect(await cryptoCode(() => importIdentity(withField(['kdf', 'alg'], 'scrypt'), PASSPHRASE))).toBe('backup_malformed');
    expect(await cryptoCode(() => importIdentity(withField(['kdf', 'memLimit'], 2 ** 31), PASSPHRASE))).toBe('backup_bad_params');
    expect(await cryptoCode(() => importIdentity(withField(['kdf', 'opsLimit'], 0), PASSPHRASE))).toBe('backup_bad_params');
  });

  it("uses libsodium's MODERATE Argon2id cost by default", async () => {
    const s = await sodium();
    expect(BACKUP_DEFAULT_COST).toEqual({ opsLimit: s.crypto_pwhash_OPSLIMIT_MODERATE, memLimit: s.crypto_pwhash_MEMLIMIT_MODERATE });
    const strong = JSON.parse(await exportIdentity(me, 'x', PASSPHRASE)) as { kdf: { opsLimit: number; memLimit: number } };
    expect(strong.kdf).toMatchObject({ opsLimit: 3, memLimit: 256 * 1024 * 1024 });
  }, 20_000);
});
