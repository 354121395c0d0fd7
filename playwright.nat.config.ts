import { defineConfig } from '@playwright/test';
import e2e from './playwright.config.ts';

// The NAT test bed (tests/nat): real NAT routers, coturn and the server in Linux network
// namespaces, one Chromium per home. Needs root; `npm run test:nat`, also run by `npm test`.
// Same settings as the end-to-end tests, with more time: each case builds a network and some
// wait out ICE timeouts on purpose.
export default defineConfig({
  ...e2e,
  testDir: 'tests/nat',
  timeout: 180_000,
  expect: { timeout: 30_000 },
  outputDir: 'test-results/nat',
});
