// @playwright/test, for the tests of the npm package's Playwright fixture (playwright/*.spec.mjs):
// run.sh runs them after the node --test files. One mock for the whole run, started from the
// package (its global setup; BILLING_MOCK_URL is left unset for that), two workers, every test in
// its own session. Debian's Chromium, never a browser Playwright downloads.
import { join } from 'node:path';
import { tmpdir } from 'node:os';

import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: './playwright',
  globalSetup: '@cloudplans/billing-mock/playwright/setup',
  fullyParallel: true,
  workers: 2,
  forbidOnly: true,
  retries: 0,
  timeout: 30_000,
  reporter: [['list']],
  outputDir: join(tmpdir(), 'playwright-results'),
  use: {
    browserName: 'chromium',
    headless: true,
    viewport: { width: 1280, height: 800 },
    actionTimeout: 10_000,
    navigationTimeout: 15_000,
    launchOptions: {
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--disable-quic', '--disable-breakpad', '--disable-crash-reporter',
      ],
    },
  },
});
