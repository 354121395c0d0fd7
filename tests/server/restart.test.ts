import { randomBytes } from 'node:crypto';
import { describe, expect, it, onTestFinished } from 'vitest';
import { generateIdentityKeys } from '../../web/crypto/identity.ts';
import { tempDataDir } from '../fixtures/server.ts';
import { startServerProcess, type ServerProcess } from '../fixtures/server-process.ts';
import { TestClient } from '../fixtures/ws-client.ts';

// The real entry point in its own process, killed without warning: whatever it answered
// `accepted` for before the kill must be delivered after a restart on the same DATA_DIR.

/** The server process on `dataDir`, killed when the test ends (whatever its outcome). */
async function startChildServer(dataDir: string): Promise<ServerProcess> {
  const server = await startServerProcess({ dataDir });
  onTestFinished(server.kill);
  return server;
}

describe('restart', () => {
  it('delivers, exactly once, everything accepted before the server was SIGKILLed', { timeout: 60_000 }, async () => {
    const dataDir = await tempDataDir();
    const first = await startChildServer(dataDir);
    const [alice, bobKeys] = await Promise.all([TestClient.authenticated(first.url), generateIdentityKeys()]);
    const sent = Array.from({ length: 50 }, () => randomBytes(330));
    const { ids, answers } = await alice.sendBlobs(bobKeys.id, sent);
    expect(answers.every((a) => a.t === 'accepted' && a.via === 'mailbox')).toBe(true);
    await first.kill(); // right after the last `accepted`: no chance for a clean shutdown
    expect((await alice.closed).code).toBe(1006);

    const second = await startChildServer(dataDir);
    const bob = await TestClient.authenticated(second.url, { identity: bobKeys });
    const delivered = await bob.receiveBlobs(ids.length);
    expect(delivered.map((d) => d.id)).toEqual(ids);
    expect(delivered.map((d) => Buffer.from(d.blob, 'base64url'))).toEqual(sent);
    expect(delivered.every((d) => d.from === alice.identity.id && d.via === 'mailbox')).toBe(true);
    await bob.roundTrip();
    expect(bob.pending()).toEqual([]);

    const output = [...first.output, ...second.output].join('\n');
    for (const secret of [...ids, alice.identity.id, bobKeys.id]) expect(output).not.toContain(secret);
  });
});
