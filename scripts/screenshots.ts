import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { createSignalServer } from '../signal-server/server.ts';
import { launchChromium } from '../tests/fixtures/chromium.ts';
import { Deployer } from '../tests/fixtures/next-version.ts';
import { prepareCast, SCREENS, VIEWPORTS, type ViewportName } from '../tests/fixtures/screens.ts';
import type { Person } from '../tests/fixtures/tincan.ts';

// `npm run screenshots`: docs/screenshots/<screen>-<viewport>.png for every screen that the
// accessibility test checks (tests/fixtures/screens.ts), taken from the real app: the built app
// served by the real server (port 0, a temporary data directory), two Chromium processes talking
// over WebRTC. Builds first when the sources are newer than dist/.

const root = fileURLToPath(new URL('..', import.meta.url));
const OUT = join(root, 'docs', 'screenshots');

async function walk(viewport: ViewportName, appUrl: string, deployer: Deployer): Promise<void> {
  const browsers: Browser[] = await Promise.all([launchChromium(), launchChromium()]);
  try {
    const [alice, bob] = await Promise.all(
      ['Alice', 'Bob'].map(async (name, i): Promise<Person> => {
        const page = await browsers[i]!.newPage();
        page.on('pageerror', (error) => console.error(`[${name}] page error:`, error));
        await page.goto(appUrl);
        return { name, page };
      }),
    );
    const cast = await prepareCast(alice!, bob!, viewport, async () => void (await deployer.deployNext()));
    for (const screen of SCREENS) {
      await screen.show(cast);
      // A picture of the screen, not of where the walk left the keyboard focus.
      await alice!.page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
      const file = join(OUT, `${screen.name}-${viewport}.png`);
      await alice!.page.screenshot({ path: file, animations: 'disabled', caret: 'hide' });
      console.log(`  ${file.slice(root.length)}`);
      await screen.leave?.(cast);
    }
  } finally {
    await Promise.all(browsers.map((b) => b.close()));
  }
}

async function main(): Promise<void> {
  const build = spawnSync('npx tsx scripts/build-if-stale.ts', { cwd: root, stdio: 'inherit', shell: true });
  if (build.status !== 0) process.exit(build.status || 1);
  mkdirSync(OUT, { recursive: true });
  const dataDir = mkdtempSync(join(tmpdir(), 'tincan-screenshots-'));
  const options = { dataDir, log: () => {} };
  const server = await createSignalServer({ ...options, port: 0, host: '127.0.0.1', staticDir: join(root, 'dist') });
  // The update notice needs a new version deployed: the walks leave the server on the last one.
  const deployer = new Deployer(server, options);
  try {
    for (const viewport of Object.keys(VIEWPORTS) as ViewportName[]) {
      console.log(`${viewport} (${VIEWPORTS[viewport].width}×${VIEWPORTS[viewport].height}):`);
      await walk(viewport, server.url, deployer);
    }
  } finally {
    await deployer.close();
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
