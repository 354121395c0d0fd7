import { type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test as base, type BrowserContext, type Page } from '@playwright/test';
import { chromium } from 'playwright-core';
import { chromiumExecutable, launchPersistentChromium } from '../fixtures/chromium.ts';
import { startCoturn } from '../fixtures/coturn.ts';
import { recordPeerConnections } from '../fixtures/peer-connection-spy.ts';
import { serverReady } from '../fixtures/server-process.ts';
import type { Person } from '../fixtures/tincan.ts';
import { deleteLeftoverNamespaces, requireTools, skipReason } from './netns.ts';
import { PUBLIC_HOST_IP, TestNetwork, type Home, type HomeOptions } from './network.ts';

// The NAT test bed as a Playwright fixture: a namespace network (network.ts), the real Tincan
// server as its own process on the public segment, coturn beside it with the hardened
// deploy/turnserver.conf, and one Chromium per person inside that person's home network.
// Everything is torn down after each test, pass or fail.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SERVER_PORT = 8080;
const TURN_PORT = 3478;
const TURN_SECRET = 'nat-test-bed-secret';
export const SERVER_URL = `http://${PUBLIC_HOST_IP}:${SERVER_PORT}`;

export interface BedOptions {
  homes: Record<string, HomeOptions>;
  /** Run coturn (STUN and TURN). The server hands out its URLs either way, as when it is down. */
  turn: boolean;
  /** Runs before a person's page first loads Tincan (e.g. to record its WebSocket frames). */
  beforeOpen?: (name: string, page: Page) => Promise<void>;
}

export interface NatPerson extends Person {
  home: Home;
}

export interface Bed {
  network: TestNetwork;
  /** Builds the network, starts the server (and coturn) and opens Tincan for each person. */
  start(options: BedOptions): Promise<Record<string, NatPerson>>;
  /** Quits a person's browser; the profile stays. */
  close(person: NatPerson): Promise<void>;
  /** Starts the person's browser again in their home, on the same profile. */
  reopen(person: NatPerson): Promise<void>;
  /** Adds a line to the log attached to a failed case, timed like the browsers' lines. */
  log(text: string): void;
}

export const test = base.extend<{ bed: Bed }>({
  bed: async ({}, use, testInfo) => {
    const skip = skipReason();
    testInfo.skip(skip !== null, skip ?? '');
    requireTools();
    deleteLeftoverNamespaces();
    const network = TestNetwork.create();
    const scratch = mkdtempSync(join(tmpdir(), 'tincan-nat-'));
    const contexts = new Map<NatPerson, BrowserContext>();
    const logs: string[] = [];
    const started = Date.now();
    const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s`;
    const stoppers: (() => Promise<void>)[] = [];

    let beforeOpen: BedOptions['beforeOpen'];
    const open = async (person: NatPerson): Promise<void> => {
      const context = await launchPersistentChromium(join(scratch, `profile-${person.name}`), {
        executablePath: chromiumWrapper(scratch, person.home.hostNs),
        // A plain-http origin that is not localhost: let it use what secure contexts may.
        args: [`--unsafely-treat-insecure-origin-as-secure=${SERVER_URL}`],
      });
      contexts.set(person, context);
      const page = context.pages()[0] ?? (await context.newPage());
      await page.addInitScript(recordPeerConnections);
      page.on('pageerror', (error) => logs.push(`${elapsed()} [${person.name}] page error: ${error.message}`));
      page.on('console', (message) => logs.push(`${elapsed()} [${person.name}] ${message.type()}: ${message.text()}`));
      await beforeOpen?.(person.name, page);
      // A browser just started in a fresh namespace may still see its interfaces settle, and
      // Chromium aborts a load on that (ERR_NETWORK_CHANGED, seen once in CI): load again then.
      await page.goto(SERVER_URL).catch((error: unknown) => {
        if (!String(error).includes('ERR_NETWORK_CHANGED')) throw error;
        return page.goto(SERVER_URL);
      });
      person.page = page;
    };

    try {
      await use({
        network,
        start: async (options) => {
          beforeOpen = options.beforeOpen;
          if (options.turn) {
            const coturn = await startCoturn({
              netns: network.publicNs,
              listeningIp: PUBLIC_HOST_IP,
              relayIp: PUBLIC_HOST_IP,
              port: TURN_PORT,
              secret: TURN_SECRET,
            });
            stoppers.push(() => coturn.stop());
          }
          await startServer(network, join(scratch, 'server'), logs);
          const people: Record<string, NatPerson> = {};
          for (const [name, homeOptions] of Object.entries(options.homes)) {
            const person = { name, home: await network.addHome(name, homeOptions) } as NatPerson;
            await open(person);
            people[name] = person;
          }
          return people;
        },
        close: async (person) => {
          await contexts.get(person)?.close();
          contexts.delete(person);
        },
        reopen: open,
        log: (text) => logs.push(`${elapsed()} [bed] ${text}`),
      });
    } finally {
      await Promise.all([...contexts.values()].map((context) => context.close().catch(() => undefined)));
      for (const stop of stoppers) await stop().catch(() => undefined);
      await network.destroy();
      rmSync(scratch, { recursive: true, force: true });
      if (testInfo.status !== testInfo.expectedStatus) await testInfo.attach('server-and-browsers.log', { body: logs.join('\n') });
    }
  },
});

/** Playwright starts this instead of Chromium: the same browser, inside the home's namespace. */
function chromiumWrapper(dir: string, ns: string): string {
  const browser = chromiumExecutable() ?? chromium.executablePath();
  const path = join(dir, `chromium-in-${ns}.sh`);
  writeFileSync(path, `#!/bin/sh\nexec ip netns exec '${ns}' '${browser}' "$@"\n`);
  chmodSync(path, 0o755);
  return path;
}

/** The production entry point (signal-server/main.ts) as a process on the public segment. */
async function startServer(network: TestNetwork, dataDir: string, logs: string[]): Promise<ChildProcess> {
  const turn = `turn:${PUBLIC_HOST_IP}:${TURN_PORT}`;
  const child = network.spawnIn(network.publicNs, process.execPath, ['--import', 'tsx', join(ROOT, 'signal-server/main.ts')], {
    ...process.env,
    HOST: PUBLIC_HOST_IP,
    PORT: String(SERVER_PORT),
    DATA_DIR: dataDir,
    STATIC_DIR: join(ROOT, 'dist'),
    STUN_URLS: `stun:${PUBLIC_HOST_IP}:${TURN_PORT}`,
    TURN_URLS: `${turn}?transport=udp,${turn}?transport=tcp`,
    TURN_SECRET,
  });
  await serverReady(child, logs);
  return child;
}
