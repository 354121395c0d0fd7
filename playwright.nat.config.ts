import { defineConfig } from '@playwright/test';

// The NAT test bed (tests/nat): real NAT routers, coturn and the server in Linux network
// namespaces, one Chromium per home. Needs root; `npm run test:nat`, also run by .ci/run.
export default defineConfig({
  testDir: 'tests/nat',
  workers: 1,
  fullyParallel: false,
  timeout: 180_000,
  expect: { timeout: 30_000 },
  retries: 0,
  reporter: process.env.CI ? [['list'], ['line']] : 'list',
  outputDir: 'test-results/nat',
});
