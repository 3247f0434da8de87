// The Playwright fixture, @cloudplans/billing-mock/playwright:
//
//   import { test, expect } from '@cloudplans/billing-mock/playwright';
//   test('a past-due customer sees the banner', async ({ page, mock }) => {
//     await mock.loadScenario('past-due');
//     await page.goto('/billing');
//   });
//
// The mock: $BILLING_MOCK_URL when set (a mock you run, a CI service container, or the one the
// global setup below started once for the whole run); otherwise each worker starts one. Each test
// gets its own X-Mock-Session (`mock.session`), so tests never see each other's state, however
// many workers run; and, unless the option routeMockSession is false, every request the test's
// pages send to the mock, or to /v1/organizations/billing/ on any origin (a dev-server proxy), gets
// that session's X-Mock-Session header when it has none, so the app under test needs no change.
import { randomBytes } from 'node:crypto';

import { test as base, type BrowserContext } from '@playwright/test';

import { MockControl } from './control';
import { startMock, type StartOptions } from './server';

export { expect } from '@playwright/test';
export { MockControl, MockControlError } from './control';

/** The environment variable with the URL of a running mock. */
export const urlEnv = 'BILLING_MOCK_URL';

/** The fixtures of each test. */
export interface BillingMockTestFixtures {
  /** The control client of this test's own session of the mock. */
  mock: MockControl;
  /** Add this test's X-Mock-Session to its pages' requests to the mock (default true). */
  routeMockSession: boolean;
}

/** The fixtures of each worker. */
export interface BillingMockWorkerFixtures {
  /** The mock's base URL. */
  billingMockURL: string;
  /** Flags for a mock the worker starts itself (without BILLING_MOCK_URL), e.g. ['-scenario', 'past-due']. */
  billingMockArgs: string[];
}

export const test = base.extend<BillingMockTestFixtures, BillingMockWorkerFixtures>({
  billingMockArgs: [[], { scope: 'worker', option: true }],
  billingMockURL: [async ({ billingMockArgs }, use) => {
    const fromEnv = process.env[urlEnv];
    if (fromEnv) {
      await use(fromEnv.replace(/\/+$/, ''));
      return;
    }
    const running = await startMock({ args: billingMockArgs });
    try {
      await use(running.url);
    } finally {
      await running.stop();
    }
  }, { scope: 'worker' }],
  routeMockSession: [true, { option: true }],
  mock: async ({ billingMockURL }, use, testInfo) => {
    const session = `pw-w${testInfo.workerIndex}-${testInfo.testId}-${randomBytes(4).toString('hex')}`;
    await use(new MockControl({ url: billingMockURL, session }));
  },
  context: async ({ context, mock, routeMockSession }, use) => {
    if (routeMockSession) await routeSession(context, mock);
    await use(context);
  },
});

/**
 * Adds mock.session's X-Mock-Session to every request of the context's pages that goes to the
 * mock, or to /v1/organizations/billing/ on any origin, unless the request already names a session.
 */
export async function routeSession(context: BrowserContext, mock: MockControl): Promise<void> {
  const origin = new URL(mock.url).origin;
  await context.route((url) => url.origin === origin || url.pathname.startsWith('/v1/organizations/billing/'), async (route) => {
    const headers = await route.request().allHeaders();
    if (headers['x-mock-session'] !== undefined || !mock.session) {
      await route.fallback();
      return;
    }
    await route.fallback({ headers: { ...headers, 'x-mock-session': mock.session } });
  });
}

/**
 * A Playwright global setup that starts one mock for the whole run and sets BILLING_MOCK_URL for
 * every worker (unless it is already set); its teardown stops the mock. In a global-setup file:
 *
 *   import { billingMockGlobalSetup } from '@cloudplans/billing-mock/playwright';
 *   export default billingMockGlobalSetup({ args: ['-latency', '100ms'] });
 *
 * or, without flags, globalSetup: '@cloudplans/billing-mock/playwright/setup' in the config.
 */
export function billingMockGlobalSetup(options: StartOptions = {}): () => Promise<(() => Promise<void>) | undefined> {
  return async () => {
    if (process.env[urlEnv]) return undefined;
    const running = await startMock(options);
    process.env[urlEnv] = running.url;
    return async () => {
      await running.stop();
      delete process.env[urlEnv];
    };
  };
}
