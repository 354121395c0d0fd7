import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { generateIdentityKeys } from '../../web/crypto/identity.ts';
import { tempDataDir } from '../fixtures/server.ts';
import { serverReady } from '../fixtures/server-process.ts';
import { TestClient } from '../fixtures/ws-client.ts';

// The real entry point in its own process, killed without warning: whatever it answered
// `accepted` for before the kill must be delivered after a restart on the same DATA_DIR.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

interface ChildServer {
  url: string;
  output: string[];
  kill(): Promise<void>;
}

/** `tsx signal-server/main.ts`, as `node --import tsx` so that a signal reaches the server itself. */
async function startChildServer(dataDir: string): Promise<ChildServer> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'signal-server/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, STATIC_DIR: join(dataDir, 'no-app') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = once(child, 'exit');
  const kill = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  onTestFinished(kill);
  const output: string[] = [];
  await serverReady(child, output);
  return { url: `http://127.0.0.1:${port}`, output, kill };
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
