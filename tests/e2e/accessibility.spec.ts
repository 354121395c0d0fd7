import AxeBuilder from '@axe-core/playwright';
import { expect, type Page } from '@playwright/test';
import { Deployer } from '../fixtures/next-version.ts';
import { prepareCast, SCREENS, VIEWPORTS, type ViewportName } from '../fixtures/screens.ts';
import { test } from '../fixtures/tincan.ts';

// axe-core on every screen (tests/fixtures/screens.ts), on a desktop and on a phone: no
// violation of serious or critical impact. Each viewport walks the screens from a first run,
// so every screen is reached by its own controls at that size.

/** One line per serious or critical violation on the page as it is now: rule, impact, where. */
async function seriousViolations(page: Page): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

for (const viewport of Object.keys(VIEWPORTS) as ViewportName[]) {
  test(`no serious or critical accessibility violation on any screen (${viewport})`, async ({ people, server }) => {
    // The walk builds the app once more, for the update notice.
    test.setTimeout(300_000);
    const [alice, bob] = await Promise.all([people.launch('Alice'), people.launch('Bob')]);
    const deployer = new Deployer(server, { dataDir: server.dataDir });
    try {
      const cast = await prepareCast(alice, bob, viewport, async () => void (await deployer.deployNext()));
      for (const screen of SCREENS) {
        await test.step(screen.name, async () => {
          await screen.show(cast);
          // Soft: one run reports every screen's violations, not only the first screen's.
          expect.soft(await seriousViolations(alice.page), `${screen.name} (${viewport})`).toEqual([]);
          await screen.leave?.(cast);
        });
      }
    } finally {
      await deployer.close();
    }
  });
}
