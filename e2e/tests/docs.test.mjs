// The API reference page at /_mock/docs in Chromium: it loads nothing from anywhere but the mock,
// documents the six actions, sends an action from its form and shows the mock's answer (checked
// through the billing API), reads the same without JavaScript, and has no serious accessibility
// problem at desktop and phone widths. Also: / leads to the dashboard, and /openapi.json is the
// contract.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { chromium } from 'playwright-core';

import { CHROMIUM, DESKTOP, MOCK, PHONE, axe, billing, launchBrowser, newSession, screenshot, serious, watch } from '../lib/harness.mjs';

const ACTIONS = ['getorganization', 'list_billing', 'getpaymentlink', 'getupdatecardlink', 'updatesubscription', 'cancelsubscription'];

let browser;

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

/** Opens a page that may reach the mock only; offsite() lists what it tried to load elsewhere. */
async function offline(context) {
  const page = await context.newPage();
  const offsite = [];
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(`${MOCK}/`) || url.startsWith('data:')) return route.continue();
    offsite.push(url);
    return route.abort('internetdisconnected');
  });
  return { page, offsite: () => [...offsite] };
}

test('the docs page loads offline, documents the six actions and tries one against the mock', { timeout: 60_000 }, async () => {
  const { page, offsite } = await offline(browser.context);
  const w = watch(page);
  try {
    await page.goto(`${MOCK}/`);
    assert.equal(new URL(page.url()).pathname, '/_mock/', '/ leads to the dashboard');
    await page.goto(`${MOCK}/_mock/docs`);
    assert.deepEqual(await page.locator('article[data-action]').evaluateAll((els) => els.map((el) => el.id)), ACTIONS);
    // Parameters where the contract puts them.
    const where = (action) => page.locator(`#${action} [data-testid="params"] tr[data-param]`).evaluateAll((rows) =>
      Object.fromEntries(rows.map((tr) => [tr.dataset.param, tr.dataset.in])));
    assert.deepEqual(await where('getorganization'), { action: 'query', org_id: 'query' });
    assert.deepEqual(await where('getpaymentlink'), { action: 'query', org_id: 'query', quantity: 'query' });
    assert.deepEqual(await where('updatesubscription'), { action: 'query', org_id: 'JSON body', quantity: 'JSON body' });
    assert.match(await page.locator('#getorganization [data-testid="decisions"]').textContent(), /D1.*D11.*D23/);

    // Try getorganization in a session of its own: the form is shown (the script runs) and the
    // mock's answer appears.
    const session = newSession('docs-try');
    const describe = page.locator('form.try[data-action="getorganization"]');
    assert.ok(await describe.isVisible(), 'the try-it form shows once the script runs');
    await describe.getByLabel('Session (X-Mock-Session)').fill(session);
    await describe.getByRole('button', { name: 'Send getorganization' }).click();
    await describe.getByTestId('answer-status').waitFor();
    assert.equal(await describe.getByTestId('answer-status').textContent(), '200 OK');
    assert.match(await describe.getByTestId('answer-body').textContent(), /"id": "org_acme"/);

    // updatesubscription with an edited body changes that session's state.
    const update = page.locator('form.try[data-action="updatesubscription"]');
    await update.getByLabel('Session (X-Mock-Session)').fill(session);
    await update.getByLabel('Body (JSON)').fill('{"org_id": "org_acme", "quantity": 7}');
    await update.getByRole('button', { name: 'Send updatesubscription' }).click();
    await update.getByTestId('answer-status').waitFor();
    assert.equal(await update.getByTestId('answer-status').textContent(), '200 OK');
    const changed = await billing(session, 'GET', 'describe', 'getorganization', { org_id: 'org_acme' });
    assert.equal(changed.body.response.subscription.quantity, '7');
    const other = await billing(newSession('docs-other'), 'GET', 'describe', 'getorganization', { org_id: 'org_acme' });
    assert.equal(other.body.response.subscription.quantity, '3', 'other sessions are untouched');

    // An error answer, with the header the Prefer choice set.
    const link = page.locator('form.try[data-action="getpaymentlink"]');
    await link.getByLabel('Session (X-Mock-Session)').fill(session);
    await link.getByLabel('Answer with (Prefer)').selectOption('409');
    await link.getByRole('button', { name: 'Send getpaymentlink' }).click();
    await link.getByTestId('answer-status').waitFor();
    assert.equal(await link.getByTestId('answer-status').textContent(), '409 Conflict');
    assert.match(await link.getByTestId('answer-body').textContent(), /Preference-Applied: code=409, example=subscription_exists[\s\S]*"code": "subscription_exists"/);

    assert.deepEqual(offsite(), [], 'the page loads nothing from anywhere but the mock');
    // Chromium logs the 409 asked for above as a console error; nothing else may show up.
    assert.deepEqual(w.problems().filter((p) => !p.includes('status of 409 (Conflict)')), []);
  } finally {
    await page.close();
  }
});

test('the docs page reads the same without JavaScript', { timeout: 60_000 }, async () => {
  const plain = await chromium.launch({
    executablePath: CHROMIUM, headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const context = await plain.newContext({ javaScriptEnabled: false, viewport: DESKTOP });
    const { page, offsite } = await offline(context);
    await page.goto(`${MOCK}/_mock/docs`);
    for (const action of ACTIONS) {
      const article = page.locator(`#${action}`);
      assert.ok(await article.locator('h3').isVisible(), `${action} is shown`);
      assert.match(await article.getByTestId('curl').textContent(), new RegExp(`curl -s .*action=${action}`, 's'), `${action}: a curl command instead of the form`);
      assert.equal(await article.locator('form.try').isVisible(), false, `${action}: no form that cannot work`);
    }
    assert.ok(await page.getByRole('heading', { name: 'Errors' }).isVisible());
    assert.deepEqual(offsite(), []);
    await context.close();
  } finally {
    await plain.close();
  }
});

test('the docs page is accessible at 1280×800 and 375×812; screenshot', { timeout: 60_000 }, async (t) => {
  const page = await browser.context.newPage();
  const w = watch(page);
  try {
    await page.goto(`${MOCK}/_mock/docs`);
    for (const [label, size] of [['desktop', DESKTOP], ['phone', PHONE]]) {
      await page.setViewportSize(size);
      const violations = await axe(page);
      for (const v of violations) t.diagnostic(`axe docs (${label}): ${v.impact} ${v.id}: ${v.help} [${v.nodes.join(', ')}]`);
      if (violations.length === 0) t.diagnostic(`axe docs (${label}): no violations`);
      assert.deepEqual(serious(violations), [], `docs (${label}) has serious or critical axe violations`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 0, `the docs page (${label}) scrolls sideways by ${overflow}px`);
    }
    await page.setViewportSize(DESKTOP);
    // The curl commands carry the mock's random port; the picture shows the default one.
    await page.locator('[data-testid="curl"] code').evaluateAll((els) => els.forEach((el) => {
      el.textContent = el.textContent.replace(/http:\/\/127\.0\.0\.1:\d+/, 'http://127.0.0.1:8080');
    }));
    await page.locator('#getorganization').scrollIntoViewIfNeeded();
    await page.evaluate(() => document.getElementById('getorganization').scrollIntoView());
    const shot = await screenshot(page, 'api-reference.png');
    t.diagnostic(`docs/${shot.name}: ${shot.bytes} bytes`);
    assert.ok(shot.bytes < 250_000, 'the screenshot is reasonably small');
    assert.deepEqual(w.problems(), []);
  } finally {
    await page.close();
  }
});

test('/openapi.json is the contract the mock validates with, readable cross-origin', async () => {
  const res = await fetch(`${MOCK}/openapi.json`, { headers: { Origin: 'http://localhost:5173' }, signal: AbortSignal.timeout(10_000) });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/json');
  assert.equal(res.headers.get('access-control-allow-origin'), 'http://localhost:5173');
  const doc = await res.json();
  assert.equal(doc.openapi, '3.0.3');
  assert.deepEqual(Object.keys(doc.paths), ['/v1/organizations/billing/describe', '/v1/organizations/billing/history', '/v1/organizations/billing/update']);
});
