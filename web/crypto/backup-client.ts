import { backupFailure, type BackupRequest, type BackupResponse } from './backup-job.ts';
import { CryptoError } from './crypto-error.ts';
import type { IdentityKeys } from './identity.ts';

// Identity backups from the page: each job runs in a fresh backup worker (see backup-worker.ts),
// which is ended as soon as it answers, so its large heap goes with it. Failures reject with a
// CryptoError whose code is one of the `backup_*` codes.

function runInWorker(request: BackupRequest): Promise<BackupResponse> {
  const worker = new Worker(new URL('./backup-worker.ts', import.meta.url), { type: 'module', name: 'tincan-backup' });
  return new Promise<BackupResponse>((resolve) => {
    worker.onmessage = (event: MessageEvent<BackupResponse>) => resolve(event.data);
    worker.onmessageerror = () => resolve(backupFailure('backup_failed', 'The backup worker sent an unreadable answer.'));
    worker.onerror = (event) => {
      event.preventDefault();
      resolve(backupFailure('backup_failed', `The backup worker failed: ${event.message || 'it could not start'}.`));
    };
    worker.postMessage(request);
  }).finally(() => worker.terminate());
}

type Done<Op extends BackupRequest['op']> = Extract<BackupResponse, { ok: true; op: Op }>;

function settle<Op extends BackupRequest['op']>(response: BackupResponse, op: Op): Done<Op> {
  if (!response.ok) throw new CryptoError(response.code, response.message);
  if (response.op !== op) throw new CryptoError('backup_failed', 'The backup worker answered a different job.');
  return response as Done<Op>;
}

/** The backup text of this identity, encrypted under `passphrase` at the default (high) cost. */
export async function exportBackup(keys: IdentityKeys, name: string, passphrase: string): Promise<string> {
  return settle(await runInWorker({ op: 'export', keys, name, passphrase }), 'export').text;
}

/** The identity in a backup text; rejects with the CryptoError code of what is wrong with it. */
export async function importBackup(text: string, passphrase: string): Promise<{ keys: IdentityKeys; name: string }> {
  const { keys, name } = settle(await runInWorker({ op: 'import', text, passphrase }), 'import');
  return { keys, name };
}
