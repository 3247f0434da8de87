// The npm package's Playwright fixture, used as a frontend project would use it:
// `import { test, expect } from '@cloudplans/billing-mock/playwright'`. The example app (e2e/app)
// is opened WITHOUT a session parameter, so it sends no X-Mock-Session itself: that its requests
// land in the test's own session is the fixture's doing (it adds the header to every request to
// the mock). The tests run in parallel on two workers against the one mock the global setup
// started; each changes its own session's state and would see the others' if they shared one.
import { MockControl, expect, test as fixtureTest } from '@cloudplans/billing-mock/playwright';

import { serveApp } from '../lib/harness.mjs';

/** The fixture's test, plus the example app served from its own origin, one per worker. */
const test = fixtureTest.extend({
  app: [async ({}, use) => {
    const app = await serveApp();
    await use(app);
    await app.close();
  }, { scope: 'worker' }],
});

/** Opens the app on org_acme against the fixture's mock; no session of its own. */
async function openApp(page, app, mock, org = 'org_acme') {
  await page.goto(`${app.origin}/?${new URLSearchParams({ api: mock.url, org })}`);
  await expect(page.locator('#org')).toHaveAttribute('data-state', /ready|error/);
  await expect(page.locator('#history')).toHaveAttribute('data-state', /ready|error/);
}

test('one mock for the run: the global setup started it and every worker uses it', async ({ mock, billingMockURL }) => {
  expect(process.env.BILLING_MOCK_URL, 'set by @cloudplans/billing-mock/playwright/setup').toBeTruthy();
  expect(billingMockURL).toBe(process.env.BILLING_MOCK_URL);
  expect(mock.url).toBe(billingMockURL);
  expect(billingMockURL).not.toBe(process.env.MOCK_URL); // not run.sh's mock: the package's own binary
  const health = await mock.health();
  expect(health.session).toBe(mock.session);
  expect(mock.session).toMatch(/^pw-w\d+-/);
});

test('loadScenario(past-due): the app shows past_due, and requests() saw its call', async ({ page, app, mock }) => {
  await mock.loadScenario('past-due');
  await openApp(page, app, mock);
  await expect(page.locator('#sub-status')).toHaveText('past_due');
  await expect(page.locator('#sub-card')).toHaveText('2026-09');
  const calls = await mock.requests({ action: 'getorganization' });
  expect(calls.length).toBe(1);
  expect(calls[0]).toMatchObject({ method: 'GET', action: 'getorganization', org: 'org_acme', status: 200 });
  // The default session is untouched.
  const others = await new MockControl({ url: mock.url }).requests({ action: 'getorganization' });
  expect(others.filter((r) => r.seq === calls[0].seq && r.time === calls[0].time)).toEqual([]);
});

test('fault({…}): a 500 on describe shows the error envelope; the invoices still load', async ({ page, app, mock }) => {
  const rule = await mock.fault({ action: 'getorganization', status: 500, count: 1 });
  expect(rule).toMatchObject({ action: 'getorganization', status: 500, count: 1, matched: 0 });
  await openApp(page, app, mock);
  await expect(page.locator('#org-error')).toHaveAttribute('data-code', 'internal_error');
  await expect(page.locator('#invoices tbody tr')).toHaveCount(4);
  expect(await mock.faults()).toEqual([]); // used up
  const failed = await mock.requests({ status: 500 });
  expect(failed.map((r) => r.action)).toEqual(['getorganization']);
});

test('advanceClock(720h): the renewal invoice appears in the app', async ({ page, app, mock }) => {
  const advanced = await mock.advanceClock('720h');
  expect(advanced.now).toBe('2026-12-01T09:00:00Z');
  expect(advanced.renewals.map((r) => [r.org, r.date, r.status])).toEqual([
    ['org_acme', '2026-11-15', 'paid'],
    ['org_outsider', '2026-11-20', 'paid'],
  ]);
  await openApp(page, app, mock);
  await expect(page.locator('#invoices tbody tr')).toHaveCount(5);
  await expect(page.locator('#invoices tbody tr').first()).toHaveAttribute('data-invoice-id', advanced.renewals[0].id);
});

test('subscribe in the app, pay with completeCheckout(link): the subscription shows', async ({ page, app, mock }) => {
  await openApp(page, app, mock, 'org_new');
  await expect(page.locator('#no-subscription')).toBeVisible();
  // The app goes to the hosted checkout page; pay through the control API instead of its form.
  await page.locator('#subscribe-quantity').fill('4');
  await page.locator('#subscribe').click();
  await page.waitForURL('**/checkout/**');
  expect(new URL(page.url()).searchParams.get('session')).toBe(mock.session);
  const paid = await mock.completeCheckout(page.url());
  expect(paid).toMatchObject({ outcome: 'paid', subscription: { quantity: '4', status: 'active' } });
  await openApp(page, app, mock, 'org_new');
  await expect(page.locator('#sub-quantity')).toHaveText('4');
});

for (const scenario of ['no-subscription', 'canceled']) {
  test(`parallel sessions never share state: ${scenario} here, the seed elsewhere`, async ({ page, app, mock }) => {
    await mock.loadScenario(scenario);
    await openApp(page, app, mock);
    await expect(page.locator('#no-subscription')).toBeVisible();
    // Meanwhile the default session, and any other, still has org_acme's subscription.
    const res = await fetch(`${mock.url}/v1/organizations/billing/describe?action=getorganization&org_id=org_acme`, {
      headers: { Authorization: 'Bearer tok_owner', ...mock.withSession(`${mock.session}-other`).headers() },
    });
    expect((await res.json()).response.subscription).toMatchObject({ status: 'active' });
    await mock.reset();
    await openApp(page, app, mock);
    await expect(page.locator('#sub-status')).toHaveText('active');
  });
}
