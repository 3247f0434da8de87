// The example app (e2e/app), served from its own loopback origin, runs the whole billing story in
// Chromium against the mock: describe, history, subscribe through the hosted checkout page, change
// the quantity, change the card through the hosted update-card page, cancel. Every step is asserted
// in the app's DOM, so a CORS mistake, a broken redirect or a page that only works from curl fails.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { MOCK, launchBrowser, newSession, serveApp, watch } from '../lib/harness.mjs';

let browser;
let app;

before(async () => {
  browser = await launchBrowser();
  app = await serveApp();
});

after(async () => {
  await browser?.close();
  await app?.close();
});

/** The invoices the app shows, newest first, as "id date $amount status". */
async function invoiceRows(page) {
  return page.locator('#invoices tbody tr').evaluateAll((rows) =>
    rows.map((tr) => [...tr.cells].map((td) => td.textContent).join(' ')));
}

test('the app shows the organization and its invoices (cross-origin fetch with a bearer token)', { timeout: 60_000 }, async () => {
  const session = newSession('describe');
  const page = await browser.context.newPage();
  const w = watch(page);
  const apiCalls = [];
  page.on('request', (req) => { if (req.url().startsWith(MOCK)) apiCalls.push(req); });
  try {
    assert.notEqual(new URL(app.origin).port, new URL(MOCK).port, 'the app and the mock must be on different origins');
    await page.goto(app.url(session, 'org_acme'));
    await page.locator('#org[data-state="ready"]').waitFor();
    await page.locator('#history[data-state="ready"]').waitFor();

    assert.equal(await page.locator('#org-name').textContent(), 'Acme Corp');
    assert.equal(await page.locator('#sub-plan').textContent(), 'pro');
    assert.equal(await page.locator('#sub-quantity').textContent(), '3');
    assert.equal(await page.locator('#sub-status').textContent(), 'active');
    assert.equal(await page.locator('#sub-card').textContent(), '2028-04');
    assert.deepEqual(await invoiceRows(page), [
      'inv_acme_0004 2026-10-15 $36.00 unpaid',
      'inv_acme_0003 2026-09-15 $36.00 paid',
      'inv_acme_0002 2026-08-15 $36.00 paid',
      'inv_acme_0001 2026-07-15 $36.00 paid',
    ]);

    // The calls really were cross-origin fetches carrying the token and the session.
    const describe = apiCalls.find((r) => r.url().includes('action=getorganization') && r.method() === 'GET');
    assert.ok(describe, 'the app called describe on the mock');
    const headers = await describe.allHeaders();
    assert.equal(headers.authorization, 'Bearer tok_owner');
    assert.equal(headers['x-mock-session'], session);
    assert.equal(headers.origin, app.origin);
    const res = await describe.response();
    assert.equal((await res.allHeaders())['access-control-allow-origin'], app.origin);
    assert.deepEqual(w.problems(), []);
  } finally {
    await page.close();
  }
});

test('subscribe through the hosted checkout, change quantity, change card, cancel', { timeout: 90_000 }, async () => {
  const session = newSession('flow');
  const page = await browser.context.newPage();
  const w = watch(page);
  try {
    // org_new has no subscription and no invoices.
    await page.goto(app.url(session, 'org_new'));
    await page.locator('#org[data-state="ready"]').waitFor();
    assert.equal(await page.locator('#org-name').textContent(), 'New Co');
    assert.ok(await page.locator('#no-subscription').isVisible(), 'the app offers to subscribe');
    await page.locator('#no-invoices').waitFor();

    // Subscribe with 2 instances: the app follows the payment link to the hosted checkout page.
    await page.getByLabel('Instances', { exact: true }).fill('2');
    await page.getByRole('button', { name: 'Subscribe' }).click();
    await page.waitForURL((u) => u.origin === MOCK && u.pathname.startsWith('/checkout/'));
    const checkout = new URL(page.url());
    assert.equal(checkout.searchParams.get('session'), session, 'the payment link carries the session');
    assert.ok(checkout.searchParams.get('return_url').startsWith(app.origin), 'the app added its return_url');
    assert.equal(await page.getByTestId('quantity').textContent(), '2');
    assert.equal(await page.getByTestId('total').textContent(), '$24.00');

    // Pay: the mock redirects (303) back to the app with ?checkout=paid.
    const [redirect] = await Promise.all([
      page.waitForResponse((r) => r.url().startsWith(`${MOCK}/checkout/`) && r.request().method() === 'POST'),
      page.getByRole('button', { name: /^Pay/ }).click(),
    ]);
    assert.equal(redirect.status(), 303);
    await page.waitForURL((u) => u.origin === app.origin && u.searchParams.get('checkout') === 'paid');
    await page.locator('#org[data-state="ready"]').waitFor();
    assert.equal(await page.locator('#notice').textContent(), 'Payment complete: the subscription is active.');
    assert.equal(await page.locator('#sub-plan').textContent(), 'pro');
    assert.equal(await page.locator('#sub-quantity').textContent(), '2');
    assert.equal(await page.locator('#sub-status').textContent(), 'active');
    await page.locator('#history[data-state="ready"]').waitFor();
    assert.deepEqual((await invoiceRows(page)).map((r) => r.replace(/^\S+ /, '')), ['2026-11-01 $24.00 paid']);

    // Change the quantity to 5: a charge for 3 more instances.
    await page.getByLabel('New number of instances').fill('5');
    await page.getByRole('button', { name: 'Change quantity' }).click();
    await page.locator('#sub-quantity', { hasText: '5' }).waitFor();
    await page.locator('#invoices tbody tr:nth-child(2)').waitFor();
    assert.deepEqual((await invoiceRows(page)).map((r) => r.replace(/^\S+ /, '')), ['2026-11-01 $36.00 paid', '2026-11-01 $24.00 paid']);

    // Change the card on the hosted update-card page; Save sends the browser back with card=saved.
    await page.getByRole('button', { name: 'Change card' }).click();
    await page.waitForURL((u) => u.origin === MOCK && u.pathname.startsWith('/update-card/'));
    assert.equal(new URL(page.url()).searchParams.get('session'), session);
    await page.getByLabel('Expiry month').selectOption('09');
    await page.getByLabel('Expiry year').selectOption('2031');
    await page.getByRole('button', { name: 'Save card' }).click();
    await page.waitForURL((u) => u.origin === app.origin && u.searchParams.get('card') === 'saved');
    await page.locator('#org[data-state="ready"]').waitFor();
    assert.equal(await page.locator('#notice').textContent(), 'Card saved.');
    assert.equal(await page.locator('#sub-card').textContent(), '2031-09');
    assert.equal(new URL(page.url()).searchParams.get('checkout'), null, 'the old outcome is not carried along');

    // Cancel: the subscription is gone, the invoices stay.
    await page.getByRole('button', { name: 'Cancel subscription' }).click();
    await page.locator('#no-subscription').waitFor();
    assert.equal(await page.locator('#subscription').isVisible(), false);
    await page.locator('#history[data-state="ready"]').waitFor();
    assert.equal((await invoiceRows(page)).length, 2);
    assert.equal(await page.locator('#action-error').isVisible(), false);
    assert.deepEqual(w.problems(), []);
  } finally {
    await page.close();
  }
});

test('a declined checkout comes back with checkout=declined and changes nothing', { timeout: 60_000 }, async () => {
  const session = newSession('decline');
  const page = await browser.context.newPage();
  const w = watch(page);
  try {
    await page.goto(app.url(session, 'org_new'));
    await page.locator('#org[data-state="ready"]').waitFor();
    await page.getByRole('button', { name: 'Subscribe' }).click();
    await page.waitForURL((u) => u.origin === MOCK && u.pathname.startsWith('/checkout/'));
    await page.getByRole('button', { name: 'Decline' }).click();
    await page.waitForURL((u) => u.origin === app.origin && u.searchParams.get('checkout') === 'declined');
    await page.locator('#org[data-state="ready"]').waitFor();
    assert.equal(await page.locator('#notice').textContent(), 'Payment declined: nothing was charged.');
    assert.ok(await page.locator('#no-subscription').isVisible());
    await page.locator('#no-invoices').waitFor();
    assert.deepEqual(w.problems(), []);
  } finally {
    await page.close();
  }
});
