import { sodium, type Sodium } from './sodium.ts';
import { cryptoError } from './crypto-error.ts';
import type { IdentityKeys } from './identity.ts';
import { fromBase64Url, fromUtf8, toBase64Url, utf8 } from '../protocol/encoding.ts';

// Identity backup: the Ed25519 secret key and display name, encrypted under a passphrase, as a
// small self-describing JSON text the user keeps wherever they like. Whoever holds the file can
// guess passphrases offline, so the key comes from Argon2id (crypto_pwhash) at a cost that makes
// each guess expensive; the costs are written in the file, so they can be raised later and old
// files still open.
//
//   { "format": "tincan-identity-backup", "version": 1,
//     "kdf": { "alg": "argon2id13", "opsLimit": 3, "memLimit": 268435456, "salt": b64url(16) },
//     "cipher": "xchacha20poly1305-ietf", "nonce": b64url(24), "check": b64url(16),
//     "ciphertext": b64url(AEAD of {"secretKey": b64url(64), "name": "..."}) }
//
// Argon2id gives 64 bytes: the first 32 are the AEAD key; 16 of the rest are `check`, which lets
// import tell a wrong passphrase from a damaged file. It tells a guesser nothing the AEAD would
// not (testing a guess against either costs one Argon2id run). Every field before the ciphertext
// is associated data of the AEAD, so changing the costs, salt or nonce is caught.

export const BACKUP_FORMAT = 'tincan-identity-backup';
export const BACKUP_VERSION = 1;
const KDF_ALG = 'argon2id13';
const CIPHER = 'xchacha20poly1305-ietf';
const CHECK_BYTES = 16;

export interface BackupKdfCost {
  opsLimit: number;
  memLimit: number;
}

/**
 * The cost of new backups: libsodium's MODERATE (3 passes over 256 MiB; about 1.5 s in Node on
 * a laptop core). The memory is the real defence against GPU guessing. A browser tab has it (the
 * WebAssembly heap grows to about 260 MiB, and does not shrink while the page lives, so the
 * wiring should run this in a Worker that ends afterwards); a phone low on memory may refuse it
 * (`backup_out_of_memory`), and the user can then export from another device.
 */
export const BACKUP_DEFAULT_COST: BackupKdfCost = { opsLimit: 3, memLimit: 256 * 1024 * 1024 };

/**
 * The most an imported file may ask for (libsodium's SENSITIVE memory, 1 GiB, and 10 passes):
 * a crafted file cannot make import run for minutes or exhaust memory. New costs must fit here.
 */
export const BACKUP_MAX_COST: BackupKdfCost = { opsLimit: 10, memLimit: 1024 * 1024 * 1024 };

interface BackupFile {
  format: typeof BACKUP_FORMAT;
  version: number;
  kdf: { alg: typeof KDF_ALG; opsLimit: number; memLimit: number; salt: string };
  cipher: typeof CIPHER;
  nonce: string;
  check: string;
  ciphertext: string;
}

/** Passphrases are NFKC-normalised, so the same words typed on another keyboard or OS match. */
function deriveKeys(s: Sodium, passphrase: string, salt: Uint8Array, cost: BackupKdfCost): { key: Uint8Array; check: string } {
  let out: Uint8Array;
  try {
    out = s.crypto_pwhash(64, utf8(passphrase.normalize('NFKC')), salt, cost.opsLimit, cost.memLimit, s.crypto_pwhash_ALG_ARGON2ID13);
  } catch {
    throw cryptoError('backup_out_of_memory');
  }
  return { key: out.slice(0, 32), check: toBase64Url(out.subarray(32, 32 + CHECK_BYTES)) };
}

const associatedData = (f: BackupFile): Uint8Array =>
  utf8([f.format, f.version, f.kdf.alg, f.kdf.opsLimit, f.kdf.memLimit, f.kdf.salt, f.cipher, f.nonce, f.check].join('\0'));

function checkCost(s: Sodium, cost: BackupKdfCost): boolean {
  const { opsLimit, memLimit } = cost;
  return (
    Number.isInteger(opsLimit) &&
    Number.isInteger(memLimit) &&
    opsLimit >= s.crypto_pwhash_OPSLIMIT_MIN &&
    memLimit >= s.crypto_pwhash_MEMLIMIT_MIN &&
    opsLimit <= BACKUP_MAX_COST.opsLimit &&
    memLimit <= BACKUP_MAX_COST.memLimit
  );
}

/** The backup text of an identity. `cost` is for tests and future tuning; leave it out otherwise. */
export async function exportIdentity(
  keys: IdentityKeys,
  name: string,
  passphrase: string,
  cost: BackupKdfCost = BACKUP_DEFAULT_COST,
): Promise<string> {
  const s = await sodium();
  if (passphrase.length === 0) throw new RangeError('A backup needs a passphrase.');
  if (!checkCost(s, cost)) throw new RangeError('Backup cost outside BACKUP_MAX_COST.');
  const salt = s.randombytes_buf(s.crypto_pwhash_SALTBYTES);
  const nonce = s.randombytes_buf(s.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
  const { key, check } = deriveKeys(s, passphrase, salt, cost);
  const header = {
    format: BACKUP_FORMAT,
    version: BACKUP_VERSION,
    kdf: { alg: KDF_ALG, opsLimit: cost.opsLimit, memLimit: cost.memLimit, salt: toBase64Url(salt) },
    cipher: CIPHER,
    nonce: toBase64Url(nonce),
    check,
  } as const;
  const plaintext = utf8(JSON.stringify({ secretKey: toBase64Url(keys.secretKey), name }));
  const ciphertext = s.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, associatedData({ ...header, ciphertext: '' }), null, nonce, key);
  return JSON.stringify({ ...header, ciphertext: toBase64Url(ciphertext) }, null, 2);
}

/** Reads the fields, or null when the text is not a version-1 backup in every detail. */
function parseBackup(text: string): BackupFile | 'unknown_version' | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const f = value as Partial<BackupFile> | null;
  if (typeof f !== 'object' || f === null || f.format !== BACKUP_FORMAT) return null;
  if (f.version !== BACKUP_VERSION) return 'unknown_version';
  const k = f.kdf;
  const ok =
    typeof k === 'object' && k !== null && k.alg === KDF_ALG && typeof k.salt === 'string' &&
    f.cipher === CIPHER && typeof f.nonce === 'string' && typeof f.check === 'string' && typeof f.ciphertext === 'string';
  return ok ? (f as BackupFile) : null;
}

/**
 * The identity in a backup text. Throws CryptoError: `backup_malformed`, `backup_unknown_version`,
 * `backup_bad_params` (costs outside BACKUP_MAX_COST), `backup_wrong_passphrase`,
 * `backup_tampered` (the passphrase is right but the file was altered), `backup_out_of_memory`.
 */
export async function importIdentity(text: string, passphrase: string): Promise<{ keys: IdentityKeys; name: string }> {
  const s = await sodium();
  const file = parseBackup(text);
  if (file === 'unknown_version') throw cryptoError('backup_unknown_version');
  if (!file) throw cryptoError('backup_malformed');
  const salt = fromBase64Url(file.kdf.salt);
  const nonce = fromBase64Url(file.nonce);
  const ciphertext = fromBase64Url(file.ciphertext);
  if (salt?.length !== s.crypto_pwhash_SALTBYTES || nonce?.length !== s.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES || !ciphertext) {
    throw cryptoError('backup_malformed');
  }
  if (!checkCost(s, file.kdf)) throw cryptoError('backup_bad_params');
  const { key, check } = deriveKeys(s, passphrase, salt, file.kdf);
  if (check !== file.check) throw cryptoError('backup_wrong_passphrase');
  let plaintext: Uint8Array;
  try {
    plaintext = s.crypto_aead_xchacha20poly1305_ietf_decrypt(null, ciphertext, associatedData(file), nonce, key);
  } catch {
    throw cryptoError('backup_tampered');
  }
  return readIdentity(s, plaintext);
}

/** The decrypted payload; its public key is recomputed from the seed, never taken on trust. */
function readIdentity(s: Sodium, plaintext: Uint8Array): { keys: IdentityKeys; name: string } {
  try {
    const payload = JSON.parse(fromUtf8(plaintext) ?? '') as { secretKey?: unknown; name?: unknown };
    const secretKey = typeof payload.secretKey === 'string' ? fromBase64Url(payload.secretKey) : null;
    if (secretKey?.length === s.crypto_sign_SECRETKEYBYTES && typeof payload.name === 'string') {
      const pair = s.crypto_sign_seed_keypair(secretKey.subarray(0, s.crypto_sign_SEEDBYTES));
      if (s.memcmp(pair.publicKey, secretKey.subarray(s.crypto_sign_SEEDBYTES))) {
        return { keys: { id: toBase64Url(pair.publicKey), publicKey: pair.publicKey, secretKey: pair.privateKey }, name: payload.name };
      }
    }
  } catch {
    // not JSON: fall through
  }
  // Authenticated, so made with this passphrase, yet not an identity: not a file we wrote.
  throw cryptoError('backup_malformed');
}
