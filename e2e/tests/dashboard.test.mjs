// The dashboard at /_mock/ in Chromium: the session selector, advancing the billing clock one period
// (a renewal invoice appears), loading the past-due scenario, accessibility at desktop and phone
// widths, and the screenshot in docs/. Every change is made through the page's own forms (POST, then
// a 303 back), and cross-checked through the billing API.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { DESKTOP, MOCK, PHONE, axe, billing, launchBrowser, mock, newSession, screenshot, serious, watch } from '../lib/harness.mjs';

let browser;

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

/** The invoices the dashboard shows for an org, newest first, as "id date $amount status" (not the Change column). */
async function invoices(page, org) {
  return page.locator(`[data-org="${org}"] tbody tr`).evaluateAll((rows) =>
    rows.map((tr) => [...tr.cells].slice(0, 5).filter((_, i) => i !== 2).map((td) => td.textContent.trim()).join(' ')));
}

test('the session selector, then advancing the clock one period shows the renewal invoice', { timeout: 60_000 }, async () => {
  const session = newSession('dash-clock');
  const page = await browser.context.newPage();
  const w = watch(page);
  try {
    await page.goto(`${MOCK}/_mock/`);
    assert.equal(await page.getByTestId('session').textContent(), 'default');
    await page.getByLabel('Session', { exact: true }).fill(session);
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL((u) => u.pathname === '/_mock/' && u.searchParams.get('session') === session);
    assert.equal(await page.getByTestId('session').textContent(), session);
    assert.equal(await page.getByTestId('clock').textContent(), 'Billing clock 2026-11-01 09:00 UTC');
    assert.equal(await page.getByTestId('org').count(), 3);
    assert.deepEqual(await invoices(page, 'org_acme'), [
      'inv_acme_0004 2026-10-15 $36.00 unpaid',
      'inv_acme_0003 2026-09-15 $36.00 paid',
      'inv_acme_0002 2026-08-15 $36.00 paid',
      'inv_acme_0001 2026-07-15 $36.00 paid',
    ]);
    assert.equal(await page.locator('[data-org="org_new"] [data-testid="sub-status"]').textContent(), 'no subscription');

    // One billing period: org_acme renews on 2026-11-15, org_outsider on 2026-11-20.
    assert.equal(await page.getByLabel('Advance the billing clock by').inputValue(), 'month');
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.url().includes('/_mock/dashboard/advance')),
      page.getByRole('button', { name: 'Advance the clock' }).click(),
    ]);
    assert.equal(res.status(), 303);
    await page.waitForURL((u) => u.pathname === '/_mock/' && u.searchParams.get('done') === 'advance');
    assert.equal(new URL(page.url()).searchParams.get('session'), session, 'the redirect keeps the session');
    assert.equal(await page.getByTestId('notice').textContent(), 'The clock moved forward: 2 renewal invoices.');
    assert.equal(await page.getByTestId('clock').textContent(), 'Billing clock 2026-12-01 09:00 UTC');
    const acme = await invoices(page, 'org_acme');
    assert.equal(acme.length, 5);
    assert.match(acme[0], /^inv_acme_\S+ 2026-11-15 \$36\.00 paid$/);
    assert.equal(await page.locator('[data-org="org_acme"] [data-testid="sub-renews"]').textContent(), '2026-12-15');
    assert.match((await invoices(page, 'org_outsider'))[0], /2026-11-20 \$280\.00 paid$/);

    // The billing API sees the same renewal, in that session only.
    const history = await billing(session, 'GET', 'history', 'list_billing', { org_id: 'org_acme' });
    assert.equal(history.body.billing_history[0].date, '2026-11-15');
    assert.equal(history.body.billing_history.length, 5);
    const other = await billing(newSession('dash-other'), 'GET', 'history', 'list_billing', { org_id: 'org_acme' });
    assert.equal(other.body.billing_history.length, 4);
    assert.deepEqual(w.problems(), []);
  } finally {
    await page.close();
  }
});

test('loading the past-due scenario shows the past-due organization', { timeout: 60_000 }, async () => {
  const session = newSession('dash-pastdue');
  const page = await browser.context.newPage();
  const w = watch(page);
  try {
    await page.goto(`${MOCK}/_mock/?session=${session}`);
    assert.equal(await page.locator('[data-org="org_acme"] [data-testid="sub-status"]').textContent(), 'active');
    await page.getByLabel('Scenario', { exact: true }).selectOption('past-due');
    await page.getByRole('button', { name: 'Load the scenario' }).click();
    await page.waitForURL((u) => u.searchParams.get('done') === 'scenario' && u.searchParams.get('session') === session);
    assert.equal(await page.getByTestId('notice').textContent(), 'Loaded the scenario past-due.');
    const acme = page.locator('[data-org="org_acme"]');
    assert.equal(await acme.getByTestId('sub-status').textContent(), 'past due');
    assert.equal(await acme.getByTestId('sub-card').textContent(), '2026-09 expired');
    assert.equal(await acme.locator('[data-invoice="inv_acme_0004"] td:nth-child(5)').textContent(), 'unpaid, overdue');

    const describe = await billing(session, 'GET', 'describe', 'getorganization', { org_id: 'org_acme' });
    assert.equal(describe.body.response.subscription.status, 'past_due');

    // Reset puts the session back to the seed.
    await page.getByRole('button', { name: 'Reset the session to the seed' }).click();
    await page.waitForURL((u) => u.searchParams.get('done') === 'reset');
    assert.equal(await acme.getByTestId('sub-status').textContent(), 'active');
    assert.deepEqual(w.problems(), []);
  } finally {
    await page.close();
  }
});

test('fault rules, open links and the journal show, and a rule can be deleted', { timeout: 60_000 }, async () => {
  const session = newSession('dash-faults');
  assert.equal((await mock(session, 'POST', '/_mock/faults', { action: 'getorganization', status: 500, count: 2 })).status, 201);
  const link = await billing(session, 'POST', 'update', 'getpaymentlink', { org_id: 'org_new', quantity: '2' });
  await billing(session, 'GET', 'describe', 'getorganization', { org_id: 'org_acme' });
  const page = await browser.context.newPage();
  try {
    await page.goto(`${MOCK}/_mock/?session=${session}`);
    const faults = page.getByTestId('faults');
    assert.match(await faults.textContent(), /flt_1 getorganization: answer 500 \(1 more, applied 1×\)/);
    const links = page.getByTestId('links');
    assert.equal(await links.getByRole('link').getAttribute('href'), link.body.response, 'the open checkout link, with its session');
    const journal = page.getByTestId('requests');
    assert.match(await journal.textContent(), /GET \/v1\/organizations\/billing\/describe\?action=getorganization&org_id=org_acme\s*getorganization\s*org_acme\s*500/);
    assert.match(await journal.textContent(), /POST \/v1\/organizations\/billing\/update\?action=getpaymentlink/);
    await page.getByRole('button', { name: 'Delete fault rule flt_1' }).click();
    await page.waitForURL((u) => u.searchParams.get('done') === 'faults');
    assert.match(await faults.textContent(), /None\./);
    assert.deepEqual((await mock(session, 'GET', '/_mock/faults')).body.faults, []);
  } finally {
    await page.close();
  }
});

test('the dashboard is accessible at 1280×800 and 375×812; screenshot', { timeout: 60_000 }, async (t) => {
  // A fixed session, so that the screenshot shows a stable name.
  const session = 'qa-demo';
  await mock(session, 'POST', '/_mock/reset');
  await mock(session, 'POST', '/_mock/faults', { action: 'list_billing', delay: '2s', count: 5 });
  await billing(session, 'POST', 'update', 'getpaymentlink', { org_id: 'org_new', quantity: '2' });
  await billing(session, 'GET', 'describe', 'getorganization', { org_id: 'org_acme' });
  const page = await browser.context.newPage();
  const w = watch(page);
  try {
    await page.goto(`${MOCK}/_mock/?session=${session}`);
    await page.getByRole('button', { name: 'Advance the clock' }).click();
    await page.waitForURL((u) => u.searchParams.get('done') === 'advance');
    for (const [label, size] of [['desktop', DESKTOP], ['phone', PHONE]]) {
      await page.setViewportSize(size);
      const violations = await axe(page);
      for (const v of violations) t.diagnostic(`axe dashboard (${label}): ${v.impact} ${v.id}: ${v.help} [${v.nodes.join(', ')}]`);
      if (violations.length === 0) t.diagnostic(`axe dashboard (${label}): no violations`);
      assert.deepEqual(serious(violations), [], `dashboard (${label}) has serious or critical axe violations`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 0, `the dashboard (${label}) scrolls sideways by ${overflow}px`);
      if (label === 'phone') await screenshot(page, 'dashboard-phone.png');
    }
    await page.setViewportSize(DESKTOP);
    // The journal's wall-clock times and durations, and the random link id, change every run; fix
    // them so that the picture in docs/ only changes when the page does.
    await page.locator('[data-link] a code').evaluateAll((els) => els.forEach((el) => { el.textContent = 'chk_5f2a9c1e7b3d4a60'; }));
    await page.locator('[data-testid="requests"] tbody tr').evaluateAll((rows) => rows.forEach((tr, i) => {
      tr.cells[0].textContent = `09:00:0${Math.max(0, 3 - i)}`;
      tr.cells[5].textContent = '0.4 ms';
    }));
    const shot = await screenshot(page, 'dashboard.png');
    t.diagnostic(`docs/${shot.name}: ${shot.bytes} bytes`);
    assert.ok(shot.bytes < 250_000, 'the screenshot is reasonably small');
    assert.deepEqual(w.problems(), []);
  } finally {
    await page.close();
  }
});
