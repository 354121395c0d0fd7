import { beforeAll, describe, expect, it } from 'vitest';
import { exportIdentity } from '../../web/crypto/backup.ts';
import { runBackupJob, type BackupRequest } from '../../web/crypto/backup-job.ts';
import { generateIdentityKeys, type IdentityKeys } from '../../web/crypto/identity.ts';

// The backup worker's message handling, without a Worker: requests in, responses out, failures
// as stable codes. Files for import are made at libsodium's smallest cost; one export runs the
// real default cost, as the worker does.

const CHEAP = { opsLimit: 1, memLimit: 8192 };
const PASSPHRASE = 'a passphrase of some length';

let me: IdentityKeys;
let cheapFile: string;

beforeAll(async () => {
  me = await generateIdentityKeys();
  cheapFile = await exportIdentity(me, 'Ada', PASSPHRASE, CHEAP);
});

describe('runBackupJob', () => {
  it('exports at the default cost, and imports what it exported', async () => {
    const exported = await runBackupJob({ op: 'export', keys: me, name: 'Ada', passphrase: PASSPHRASE });
    expect(exported).toMatchObject({ ok: true, op: 'export' });
    if (!exported.ok || exported.op !== 'export') throw new Error('unreachable');
    expect(JSON.parse(exported.text)).toMatchObject({ kdf: { opsLimit: 3, memLimit: 256 * 1024 * 1024 } });
    expect(await runBackupJob({ op: 'import', text: exported.text, passphrase: PASSPHRASE })).toEqual({ ok: true, op: 'import', keys: me, name: 'Ada' });
  }, 30_000);

  it('answers each import failure with its code and text', async () => {
    expect(await runBackupJob({ op: 'import', text: cheapFile, passphrase: 'not the passphrase' })).toEqual({
      ok: false,
      code: 'backup_wrong_passphrase',
      message: 'The passphrase is wrong.',
    });
    const file = JSON.parse(cheapFile) as { ciphertext: string };
    const flipped = file.ciphertext.startsWith('A') ? `B${file.ciphertext.slice(1)}` : `A${file.ciphertext.slice(1)}`;
    const tampered = JSON.stringify({ ...file, ciphertext: flipped });
    expect(await runBackupJob({ op: 'import', text: tampered, passphrase: PASSPHRASE })).toMatchObject({ ok: false, code: 'backup_tampered' });
    expect(await runBackupJob({ op: 'import', text: '{}', passphrase: PASSPHRASE })).toMatchObject({ ok: false, code: 'backup_malformed' });
    const newer = JSON.stringify({ ...file, version: 2 });
    expect(await runBackupJob({ op: 'import', text: newer, passphrase: PASSPHRASE })).toMatchObject({ ok: false, code: 'backup_unknown_version' });
  });

  it('answers a request it cannot run with backup_failed rather than throwing', async () => {
    expect(await runBackupJob({ op: 'export', keys: me, name: 'Ada', passphrase: '' })).toMatchObject({
      ok: false,
      code: 'backup_failed',
      message: 'A backup needs a passphrase.',
    });
    expect(await runBackupJob({ op: 'wipe' } as unknown as BackupRequest)).toMatchObject({ ok: false, code: 'backup_failed', message: expect.stringContaining('wipe') });
  });
});
