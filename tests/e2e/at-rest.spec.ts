import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, type Page } from '@playwright/test';
import { ByteSearch, bytesForms, plaintextForms, textForms, type Finding, type Needle } from '../fixtures/byte-search.ts';
import { readDeviceKeys, type DeviceKeys } from '../fixtures/device-secrets.ts';
import { dumpMemory, type DumpStats, type MemoryRegion } from '../fixtures/memory-dump.ts';
import { killWebRtc } from '../fixtures/peer-connection-spy.ts';
import { BUILT_APP, startServerProcess, type ServerProcess } from '../fixtures/server-process.ts';
import { test as tincan, type Person } from '../fixtures/tincan.ts';
import { contactItem, introduce, messageItems, openChat, pathStatus, sendMessage } from '../fixtures/ui.ts';

// Nothing readable at rest: after two people have talked over every path (data channel, server
// relay, mailbox), the server's database files, its log and its whole process memory hold no
// message text and none of their private keys, in any form a program would hold them in. The
// server runs as its own process (signal-server/main.ts, as in production) so that its memory is
// its alone; the same search must find what the server does hold (public keys), or the absence
// of secrets would prove nothing.

interface AtRestServer extends ServerProcess {
  dataDir: string;
  logFile: string;
}

const test = tincan.extend<{ serverProcess: AtRestServer }>({
  serverProcess: async ({}, use) => {
    const scratch = mkdtempSync(join(tmpdir(), 'tincan-at-rest-'));
    const dataDir = join(scratch, 'data');
    mkdirSync(dataDir);
    const logFile = join(scratch, 'server.log');
    const server = await startServerProcess({ dataDir, logFile, staticDir: BUILT_APP });
    try {
      await use({ ...server, dataDir, logFile });
    } finally {
      await server.stop();
      rmSync(scratch, { recursive: true, force: true });
    }
  },
  appUrl: async ({ serverProcess }, use) => use(serverProcess.url),
});

/** Every frame a page sends its server from now on, observed (not routed) so the socket is the app's own. */
function recordSends(page: Page, into: string[]): void {
  page.on('websocket', (socket) =>
    socket.on('framesent', ({ payload }) => {
      if (typeof payload === 'string' && payload.includes('"t":"send"')) into.push(payload);
    }),
  );
}

/** A text no one could guess, with an emoji so that V8 keeps any string holding it as two-byte. */
const newCanary = (path: string): { canary: string; text: string } => {
  const canary = `atrest-${randomBytes(16).toString('hex')}`;
  return { canary, text: `${path}: ${canary} 🐤` };
};

const deliveredMark = (page: Page, text: string) =>
  messageItems(page).filter({ hasText: text }).getByRole('img', { name: /^(Delivered|Read)$/ });

/** `from` sends `text`; it must show once in the other's Messages list and as Delivered to `from`. */
async function exchange(from: Person, to: Person, text: string): Promise<void> {
  await sendMessage(from, text);
  await expect(messageItems(to.page).filter({ hasText: text })).toHaveCount(1);
  await expect(deliveredMark(from.page, text)).toBeVisible();
}

/** Keys seen on a device at any point of the test: chain keys and one-time prekeys are replaced as it goes. */
class KeysSeen {
  private readonly secrets = new Map<string, { label: string; bytes: Uint8Array }>();
  readonly devices = new Map<string, DeviceKeys>();

  async read(person: Person): Promise<DeviceKeys> {
    const keys = await readDeviceKeys(person.name, person.page);
    for (const secret of keys.secrets) this.secrets.set(Buffer.from(secret.bytes).toString('hex'), secret);
    this.devices.set(person.name, keys);
    return keys;
  }

  needles(): Needle[] {
    // The first bytes tell apart the successive values of one key (a chain key, say) in a report.
    return [...this.secrets].flatMap(([hex, secret]) => bytesForms(`${secret.label} ${hex.slice(0, 8)}…`, secret.bytes));
  }

  get count(): number {
    return this.secrets.size;
  }
}

interface Residue {
  findings: Finding[];
  memory: DumpStats;
  fileBytes: number;
  seconds: number;
}

const describeFinding = (f: Finding): string => `${f.label} in ${f.where} at 0x${f.offset.toString(16)}`;

const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/**
 * The server frozen (SIGSTOP) for a consistent image, then everything it has: each readable
 * memory region, each file in DATA_DIR (the SQLite database, its WAL and shared memory) and its
 * log, searched for every needle.
 */
async function searchServer(server: AtRestServer, needles: Needle[]): Promise<Residue> {
  const started = performance.now();
  const search = new ByteSearch(needles);
  const findings: Finding[] = [];
  let fileBytes = 0;
  process.kill(server.pid, 'SIGSTOP');
  try {
    let region: MemoryRegion | null = null;
    let stream: ReturnType<ByteSearch['stream']> | null = null;
    const memory = await dumpMemory(server.pid, (current, chunk, address) => {
      if (current !== region) {
        region = current;
        stream = search.stream(`memory ${current.name || '(anonymous)'} @0x${current.start.toString(16)}`, findings);
      }
      stream!.write(chunk, address);
    });
    const files = [...readdirSync(server.dataDir).map((name) => join(server.dataDir, name)), server.logFile];
    for (const file of files) {
      const bytes = readFileSync(file);
      fileBytes += bytes.length;
      findings.push(...search.find(file, bytes));
    }
    return { findings, memory, fileBytes, seconds: (performance.now() - started) / 1000 };
  } finally {
    process.kill(server.pid, 'SIGCONT');
  }
}

test('after a conversation over every path, the server’s database, log and memory hold no message text and no private key', async ({ people, serverProcess }) => {
  test.setTimeout(180_000);
  const sends = { Alice: [] as string[], Bob: [] as string[] };
  const [alice, bob] = await Promise.all([
    people.launch('Alice', async (page) => recordSends(page, sends.Alice)),
    people.launch('Bob', async (page) => recordSends(page, sends.Bob)),
  ]);
  await introduce(alice, bob);
  const keys = new KeysSeen();
  // Before any message: the one-time prekey a first message uses up is still on the device.
  for (const person of [alice, bob]) {
    await expect.poll(async () => (await keys.read(person)).publicPrekeys.length, { message: `${person.name} made prekeys` }).toBeGreaterThan(1);
  }
  const canaries: string[] = [];
  const talk = async (from: Person, to: Person, path: string): Promise<void> => {
    const { canary, text } = newCanary(`${from.name} ${path}`);
    canaries.push(canary);
    await exchange(from, to, text);
  };

  // 1. The data channel.
  await Promise.all([openChat(alice, 'Bob'), openChat(bob, 'Alice')]);
  await expect(pathStatus(alice.page)).toContainText('Direct');
  await expect(pathStatus(bob.page)).toContainText('Direct');
  await talk(alice, bob, 'direct');
  await talk(bob, alice, 'direct');
  await Promise.all([keys.read(alice), keys.read(bob)]);

  // 2. The server relay: the network takes WebRTC away from Alice, and no new channel can form.
  await alice.page.evaluate(killWebRtc);
  await expect(pathStatus(alice.page)).toContainText('Server relay');
  const sentBefore = { Alice: sends.Alice.length, Bob: sends.Bob.length };
  await talk(alice, bob, 'relay');
  await talk(bob, alice, 'relay');
  // Both went through the server (a blob each way at least), not some channel.
  expect(sends.Alice.length).toBeGreaterThan(sentBefore.Alice);
  expect(sends.Bob.length).toBeGreaterThan(sentBefore.Bob);
  await Promise.all([keys.read(alice), keys.read(bob)]);

  // 3. The mailbox, each way: the recipient's browser is closed while the other writes.
  for (const [from, to] of [[alice, bob], [bob, alice]] as const) {
    await people.close(to);
    await expect(contactItem(from.page, to.name)).toContainText('offline');
    await expect(pathStatus(from.page)).toContainText('Queued (offline)');
    const { canary, text } = newCanary(`${from.name} mailbox`);
    canaries.push(canary);
    await sendMessage(from, text);
    // Accepted into the server's mailbox, not yet delivered.
    await expect(messageItems(from.page).filter({ hasText: text }).getByRole('img', { name: 'Sent' })).toBeVisible();
    await people.reopen(to, async (page) => recordSends(page, sends[to.name as 'Alice' | 'Bob']));
    await openChat(to, from.name);
    await expect(messageItems(to.page).filter({ hasText: text })).toHaveCount(1);
    await expect(deliveredMark(from.page, text)).toBeVisible();
  }
  const [aliceKeys, bobKeys] = await Promise.all([keys.read(alice), keys.read(bob)]);

  // What the server does hold, searched for in the same pass: were these not found where they
  // are, the absence of everything else would prove nothing.
  const mustFind: { needles: Needle[]; where: RegExp; what: string }[] = [
    // Live in its presence table and connections while both are online.
    ...[aliceKeys, bobKeys].map((k) => ({ needles: textForms(`peer ID ${k.peerId}`, k.peerId), where: /^memory /, what: `the peer ID ${k.peerId}` })),
    // Published prekeys are rows of the database.
    ...[aliceKeys, bobKeys].map((k) => ({
      needles: k.publicPrekeys.flatMap((key) => textForms(`public prekey ${key}`, key)),
      where: /mailbox\.sqlite/,
      what: `a public prekey of ${k.peerId}`,
    })),
    { needles: textForms('startup line', 'Tincan listening on http://localhost:'), where: /server\.log$/, what: 'the startup line in the log' },
  ];
  const secretNeedles = [...canaries.flatMap((canary) => plaintextForms(`message text ${canary}`, canary)), ...keys.needles()];
  // The end of each blob (ciphertext and tag) is unique to it, unlike headers a session repeats.
  const blobNeedles = [...sends.Alice, ...sends.Bob].map((frame, i) => ({
    label: `ciphertext ${i}`,
    bytes: Buffer.from((JSON.parse(frame) as { blob: string }).blob.slice(-64)),
  }));

  const residue = await searchServer(serverProcess, [...mustFind.flatMap((c) => c.needles), ...secretNeedles, ...blobNeedles]);
  const found = (needles: Needle[]): Finding[] => {
    const labels = new Set(needles.map((n) => n.label));
    return residue.findings.filter((f) => labels.has(f.label));
  };
  const ciphertextsFound = new Set(found(blobNeedles).filter((f) => f.where.startsWith('memory ')).map((f) => f.label)).size;
  console.log(
    `at rest: searched ${mib(residue.memory.bytesRead)} of server memory in ${residue.memory.regions} regions ` +
      `(${residue.memory.skippedRegions} unreadable, ${mib(residue.memory.skippedBytes)}) and ${mib(residue.fileBytes)} of files ` +
      `for ${canaries.length} message texts and ${keys.count} private keys (${secretNeedles.length} forms) in ${residue.seconds.toFixed(1)} s; ` +
      `${ciphertextsFound} of ${blobNeedles.length} ciphertexts sent through it are still in its memory`,
  );

  for (const control of mustFind) {
    const hits = found(control.needles).filter((f) => control.where.test(f.where));
    expect(hits.length, `${control.what} was not found where the server holds it (${control.where})`).toBeGreaterThan(0);
  }
  // Transient data too: blobs it passed on linger in its buffers and heap, and the dump sees them.
  expect(ciphertextsFound, 'no ciphertext the server handled was found in its memory').toBeGreaterThan(0);
  // Each finding names the key or text, the form, and the memory region or file with the address or offset.
  expect(found(secretNeedles).map(describeFinding)).toEqual([]);
});
