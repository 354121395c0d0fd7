import { defineConfig } from '@playwright/test';

// End-to-end tests drive real Chromium processes against a real signaling server that each test
// file starts on a free port (tests/fixtures/tincan.ts). Each test launches its own browsers, so
// the browser settings live in the fixtures, not in `use`.
export default defineConfig({
  testDir: 'tests/e2e',
  // Two cores: one test at a time, each with two browser processes, keeps WebRTC timing sane.
  workers: 1,
  fullyParallel: false,
  timeout: 90_000,
  expect: { timeout: 20_000 },
  retries: 0,
  reporter: process.env.CI ? [['list'], ['line']] : 'list',
  outputDir: 'test-results',
});
