import { exportIdentity, importIdentity } from './backup.ts';
import { CRYPTO_ERROR_CODES, CryptoError, type CryptoErrorCode } from './crypto-error.ts';
import type { IdentityKeys } from './identity.ts';

// One backup job as messages: what the page posts to the backup worker and what it posts back.
// Kept apart from the worker entry so the handling runs (and is tested) without a Worker. A
// failure is a response, never a thrown error, so the page always learns the stable code.

export type BackupRequest =
  | { op: 'export'; keys: IdentityKeys; name: string; passphrase: string }
  | { op: 'import'; text: string; passphrase: string };

export type BackupResponse =
  | { ok: true; op: 'export'; text: string }
  | { ok: true; op: 'import'; keys: IdentityKeys; name: string }
  | { ok: false; code: CryptoErrorCode; message: string };

export const backupFailure = (code: CryptoErrorCode, message: string = CRYPTO_ERROR_CODES[code]): BackupResponse => ({ ok: false, code, message });

export async function runBackupJob(request: BackupRequest): Promise<BackupResponse> {
  try {
    switch (request.op) {
      case 'export':
        return { ok: true, op: 'export', text: await exportIdentity(request.keys, request.name, request.passphrase) };
      case 'import':
        return { ok: true, op: 'import', ...(await importIdentity(request.text, request.passphrase)) };
      default:
        return backupFailure('backup_failed', `Unknown backup operation: ${String((request as { op?: unknown }).op)}`);
    }
  } catch (error) {
    if (error instanceof CryptoError && error.code in CRYPTO_ERROR_CODES) return backupFailure(error.code as CryptoErrorCode, error.message);
    return backupFailure('backup_failed', error instanceof Error ? error.message : String(error));
  }
}
