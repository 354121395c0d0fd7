import { runBackupJob, type BackupRequest, type BackupResponse } from './backup-job.ts';

// The backup worker: one job, one answer. Argon2id grows libsodium's WebAssembly heap to about
// 260 MiB and a heap never shrinks, so the page runs each job in a fresh worker and ends it after
// (backup-client.ts); the UI stays responsive meanwhile.

const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<BackupRequest>) => void) | null;
  postMessage(response: BackupResponse): void;
};

scope.onmessage = (event) => {
  void runBackupJob(event.data).then((response) => scope.postMessage(response));
};
