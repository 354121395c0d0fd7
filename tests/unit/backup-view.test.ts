import { describe, expect, it } from 'vitest';
import { cryptoError } from '../../web/crypto/crypto-error.ts';
import { backupFileName, passphraseProblem, restoreErrorText } from '../../web/state/backup-view.ts';

describe('backupFileName', () => {
  const day = new Date(2025, 2, 7, 23, 30); // 7 March 2025, local time

  it('names the file after the identity and the local day', () => {
    expect(backupFileName('Alice', day)).toBe('tincan-identity-alice-2025-03-07.json');
  });

  it('keeps only lowercase ASCII letters, digits and single hyphens of the name', () => {
    expect(backupFileName('  Zoë / Ünal:  2nd phone ', day)).toBe('tincan-identity-zoe-unal-2nd-phone-2025-03-07.json');
    expect(backupFileName('../../etc/passwd', day)).toBe('tincan-identity-etc-passwd-2025-03-07.json');
    expect(backupFileName('A'.repeat(64), day)).toBe(`tincan-identity-${'a'.repeat(40)}-2025-03-07.json`);
  });

  it('leaves the name out when nothing of it is left', () => {
    expect(backupFileName('🐤 李', day)).toBe('tincan-identity-2025-03-07.json');
  });
});

describe('passphraseProblem', () => {
  it('wants at least 10 characters, counted as characters the user sees', () => {
    expect(passphraseProblem('short', 'short')).toMatch(/at least 10 characters/);
    expect(passphraseProblem('🐤'.repeat(9), '🐤'.repeat(9))).toMatch(/at least 10 characters/);
    expect(passphraseProblem('🐤'.repeat(10), '🐤'.repeat(10))).toBeNull();
  });

  it('wants the two fields to match', () => {
    expect(passphraseProblem('correct horse', 'correct house')).toMatch(/not the same/);
    expect(passphraseProblem('correct horse', 'correct horse')).toBeNull();
  });
});

describe('restoreErrorText', () => {
  it('says what went wrong in plain words for each backup code', () => {
    expect(restoreErrorText(cryptoError('backup_wrong_passphrase'))).toMatch(/passphrase does not open/);
    expect(restoreErrorText(cryptoError('backup_tampered'))).toMatch(/damaged or has been altered/);
    expect(restoreErrorText(cryptoError('backup_malformed'))).toMatch(/not a Tincan identity backup/);
    expect(restoreErrorText(cryptoError('backup_unknown_version'))).toMatch(/newer version/);
    expect(restoreErrorText(cryptoError('backup_out_of_memory'))).toMatch(/enough free memory/);
    expect(restoreErrorText(new Error('worker gone'))).toMatch(/could not be restored: worker gone/);
  });
});
