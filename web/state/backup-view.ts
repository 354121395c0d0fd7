import { CryptoError } from '../crypto/crypto-error.ts';
import { datedFileName } from './file-name.ts';

// What the backup screens decide and say: the passphrase rule, the name of the file, and each
// failure in plain words (by its stable code; the code's own text is for logs).

/**
 * The shortest passphrase accepted for a new backup. Argon2id makes each guess cost about a
 * second, but that only helps a passphrase that is not among the first few million guesses.
 */
export const BACKUP_MIN_PASSPHRASE_LENGTH = 10;

/** A backup is well under a kilobyte; anything much larger is not one, and is not read whole. */
export const BACKUP_MAX_FILE_BYTES = 64 * 1024;

/** Why the passphrases cannot be used for a new backup, or null when they can. */
export function passphraseProblem(passphrase: string, repeated: string): string | null {
  if ([...passphrase].length < BACKUP_MIN_PASSPHRASE_LENGTH) {
    return `Choose a passphrase of at least ${BACKUP_MIN_PASSPHRASE_LENGTH} characters: anyone who gets the file can try to guess it.`;
  }
  if (passphrase !== repeated) return 'The two passphrases are not the same. Type the same passphrase in both fields.';
  return null;
}

/** `tincan-identity-<name>-<YYYY-MM-DD>.json` (see datedFileName). */
export const backupFileName = (name: string, date: Date): string => datedFileName('identity', name, date);

const codeOf = (error: unknown): string => (error instanceof CryptoError ? error.code : '');
const detailOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** What to tell someone whose backup could not be made. */
export function exportErrorText(error: unknown): string {
  if (codeOf(error) === 'backup_out_of_memory') {
    return 'This device does not have enough free memory to encrypt the backup. Close other tabs or apps and try again, or export from another device.';
  }
  return `The backup could not be made: ${detailOf(error)}`;
}

/** What to tell someone whose backup could not be restored. */
export function restoreErrorText(error: unknown): string {
  switch (codeOf(error)) {
    case 'backup_wrong_passphrase':
      return 'That passphrase does not open this backup. Check it and try again.';
    case 'backup_tampered':
      return 'This backup file is damaged or has been altered, so it cannot be restored. Use another copy of it.';
    case 'backup_malformed':
      return 'This file is not a Tincan identity backup.';
    case 'backup_unknown_version':
      return 'This backup was made by a newer version of Tincan. Reload Tincan to update it, then try again.';
    case 'backup_bad_params':
      return 'This backup asks for more memory or work to open than Tincan allows, so it was not opened.';
    case 'backup_out_of_memory':
      return 'This device does not have enough free memory to open the backup. Close other tabs or apps and try again.';
    default:
      return `The backup could not be restored: ${detailOf(error)}`;
  }
}
