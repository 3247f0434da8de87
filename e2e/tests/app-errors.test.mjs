// Error paths, in the browser: what the example app shows when the billing API fails (a fault rule
// set through /_mock/faults), is slow (a delay rule), or refuses the token (Prefer: code=401), and
// a negative control proving that a CORS refusal fails these tests.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { launchBrowser, mock, newSession, serveApp, watch } from '../lib/harness.mjs';

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

test('a 500 on describe (fault rule): the app shows the envelope message and code, and Retry recovers', { timeout: 60_000 }, async () => {
  const session = newSession('fault500');
  const rule = await mock(session, 'POST', '/_mock/faults', { action: 'getorganization', status: 500, count: 1 });
  assert.equal(rule.status, 201, rule.text);
  const page = await browser.context.newPage();
  try {
    await page.goto(app.url(session, 'org_acme'));
    const error = page.locator('#org-error');
    await page.locator('#org[data-state="error"]').waitFor();
    assert.equal(await error.getAttribute('role'), 'alert');
    assert.equal(await error.getAttribute('data-code'), 'internal_error');
    assert.equal(await error.getAttribute('data-status'), '500');
    assert.equal(await error.locator('.message').textContent(),
      'Could not load the organization: the billing service failed; try again (internal_error, HTTP 500)');
    // Only describe failed: the invoices still load.
    await page.locator('#history[data-state="ready"]').waitFor();
    assert.equal(await page.locator('#invoices tbody tr').count(), 4);
    // The rule applied once; Retry loads the organization.
    await page.getByRole('button', { name: 'Retry' }).click();
    await page.locator('#org[data-state="ready"]').waitFor();
    assert.equal(await error.isVisible(), false);
    assert.equal(await page.locator('#org-name').textContent(), 'Acme Corp');
    const faults = await mock(session, 'GET', '/_mock/faults');
    assert.deepEqual(faults.body.faults, [], 'the count-1 rule is used up');
  } finally {
    await page.close();
  }
});

test('a 2 s delay on history (fault rule): the app shows a loading state, then the invoices', { timeout: 60_000 }, async () => {
  const session = newSession('delay');
  const rule = await mock(session, 'POST', '/_mock/faults', { action: 'list_billing', delay: '2s' });
  assert.equal(rule.status, 201, rule.text);
  const page = await browser.context.newPage();
  const w = watch(page);
  try {
    const started = Date.now();
    await page.goto(app.url(session, 'org_acme'));
    // Describe is not delayed: the organization is there while the invoices still load.
    await page.locator('#org[data-state="ready"]').waitFor();
    const status = page.locator('#history-status');
    assert.equal(await page.locator('#history').getAttribute('data-state'), 'loading');
    assert.ok(await status.isVisible(), 'a loading state is shown');
    assert.equal(await status.textContent(), 'Loading invoices…');
    assert.equal(await status.getAttribute('aria-busy'), 'true');
    assert.equal(await page.locator('#invoices').isVisible(), false);
    await page.locator('#history[data-state="ready"]').waitFor({ timeout: 10_000 });
    const waited = Date.now() - started;
    assert.ok(waited >= 1900, `the invoices came after the delay (${waited} ms)`);
    assert.equal(await status.isVisible(), false, 'the loading state is gone');
    assert.equal(await page.locator('#invoices tbody tr').count(), 4);
    assert.deepEqual(w.problems(), []);
  } finally {
    await page.close();
  }
});

test('Prefer: code=401: the app shows the invalid_token error on both calls', { timeout: 60_000 }, async () => {
  const session = newSession('prefer401');
  const page = await browser.context.newPage();
  try {
    await page.goto(app.url(session, 'org_acme', { prefer: 'code=401' }));
    await page.locator('#org[data-state="error"]').waitFor();
    await page.locator('#history[data-state="error"]').waitFor();
    assert.equal(await page.locator('#org-error .message').textContent(),
      'Could not load the organization: the bearer token is not valid (invalid_token, HTTP 401)');
    assert.equal(await page.locator('#history-error').textContent(),
      'Could not load the invoices: the bearer token is not valid (invalid_token, HTTP 401)');
    assert.equal(await page.locator('#history-error').getAttribute('data-code'), 'invalid_token');
    assert.equal(await page.locator('#org-body').isVisible(), false);
  } finally {
    await page.close();
  }
});

test('negative control: from an origin the mock does not allow, the app cannot call it', { timeout: 60_000 }, async (t) => {
  // 127.0.0.2 is loopback too, but not among the mock's default CORS origins (localhost, 127.0.0.1,
  // [::1]). The same app, unchanged, must fail there: so the tests above pass only because CORS works.
  let other;
  try {
    other = await serveApp('127.0.0.2');
  } catch (err) {
    t.skip(`cannot listen on 127.0.0.2: ${err.message}`);
    return;
  }
  const session = newSession('cors');
  const page = await browser.context.newPage();
  const w = watch(page);
  try {
    await page.goto(other.url(session, 'org_acme'));
    await page.locator('#org[data-state="error"]').waitFor();
    assert.equal(await page.locator('#org-error').getAttribute('data-code'), 'network_error');
    assert.ok(w.problems().some((p) => /CORS|Access-Control-Allow-Origin/.test(p)), `Chromium reports a CORS refusal: ${w.problems().join('; ')}`);
  } finally {
    await page.close();
    await other.close();
  }
});
