// The mock's hosted pages in Chromium: axe-core finds no serious or critical accessibility problem
// (desktop and phone widths), every form control has a label and every action is a real button,
// and the screenshots in docs/ (shown in the README) are taken from them at 1280×800.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { DESKTOP, PHONE, axe, billing, launchBrowser, newSession, screenshot, serious, watch } from '../lib/harness.mjs';

let browser;

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

/** Checks a hosted page: axe at both widths, labels, buttons; returns the violations found. */
async function check(t, page, name) {
  const found = {};
  for (const [label, size] of [['desktop', DESKTOP], ['phone', PHONE]]) {
    await page.setViewportSize(size);
    const violations = await axe(page);
    found[label] = violations;
    for (const v of violations) t.diagnostic(`axe ${name} (${label}): ${v.impact} ${v.id}: ${v.help} [${v.nodes.join(', ')}]`);
    assert.deepEqual(serious(violations), [], `${name} (${label}) has serious or critical axe violations`);
    // Nothing is wider than a phone's screen.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `${name} (${label}) scrolls sideways by ${overflow}px`);
  }
  await page.setViewportSize(DESKTOP);
  // Every form control has a label that names it; every action is a <button>.
  const unlabeled = await page.locator('input:not([type=hidden]), select, textarea').evaluateAll((els) =>
    els.filter((el) => !el.labels || el.labels.length === 0 || !el.labels[0].textContent.trim()).map((el) => el.outerHTML));
  assert.deepEqual(unlabeled, [], `${name}: form controls without a label`);
  const clickable = await page.locator('[onclick], [role=button], a[href^="javascript:"], input[type=submit], input[type=button]').count();
  assert.equal(clickable, 0, `${name}: actions must be <button> elements`);
  if (found.desktop.length === 0 && found.phone.length === 0) t.diagnostic(`axe ${name}: no violations`);
  return found;
}

test('checkout page: accessible, keyboard usable, screenshot', { timeout: 60_000 }, async (t) => {
  const session = newSession('a11y-checkout');
  const link = await billing(session, 'POST', 'update', 'getpaymentlink', { org_id: 'org_new', quantity: '2' });
  assert.equal(link.status, 200);
  const page = await browser.context.newPage();
  const w = watch(page);
  try {
    await page.goto(link.body.response);
    assert.equal(await page.title(), 'Checkout · Cloud Plans (mock)');
    await check(t, page, 'checkout');
    for (const name of ['Pay $24.00', 'Decline']) {
      assert.equal(await page.getByRole('button', { name, exact: true }).count(), 1, `a button named ${name}`);
    }
    for (const name of ['Card number', 'Expiry month', 'Expiry year']) {
      assert.equal(await page.getByLabel(name, { exact: true }).count(), 1, `a control labelled ${name}`);
    }
    const shot = await screenshot(page, 'checkout.png');
    t.diagnostic(`docs/${shot.name}: ${shot.bytes} bytes`);
    assert.ok(shot.bytes < 200_000, 'the screenshot is reasonably small');

    // Keyboard only: focus the Pay button with Tab and press Enter.
    await page.locator('body').focus();
    let focused = '';
    for (let i = 0; i < 10 && !focused.startsWith('Pay'); i++) {
      await page.keyboard.press('Tab');
      focused = await page.evaluate(() => document.activeElement?.textContent ?? '');
    }
    assert.match(focused, /^Pay/, 'Tab reaches the Pay button');
    await page.keyboard.press('Enter');
    await page.getByTestId('result').waitFor();
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Payment complete');
    await check(t, page, 'checkout result');
    assert.deepEqual(w.problems(), []);
  } finally {
    await page.close();
  }
});

test('update-card page: accessible, screenshot', { timeout: 60_000 }, async (t) => {
  const session = newSession('a11y-card');
  const link = await billing(session, 'POST', 'update', 'getupdatecardlink', { org_id: 'org_acme' });
  assert.equal(link.status, 200);
  const page = await browser.context.newPage();
  const w = watch(page);
  try {
    await page.goto(link.body.response);
    assert.equal(await page.title(), 'Update card · Cloud Plans (mock)');
    await check(t, page, 'update-card');
    for (const name of ['Save card', 'Cancel']) {
      assert.equal(await page.getByRole('button', { name, exact: true }).count(), 1, `a button named ${name}`);
    }
    const shot = await screenshot(page, 'update-card.png');
    t.diagnostic(`docs/${shot.name}: ${shot.bytes} bytes`);
    assert.ok(shot.bytes < 200_000, 'the screenshot is reasonably small');
    assert.deepEqual(w.problems(), []);
  } finally {
    await page.close();
  }
});

test('a used link: the error page is accessible and says why', { timeout: 60_000 }, async (t) => {
  const session = newSession('a11y-used');
  const link = await billing(session, 'POST', 'update', 'getpaymentlink', { org_id: 'org_new', quantity: '1' });
  const page = await browser.context.newPage();
  try {
    await page.goto(link.body.response);
    await page.getByRole('button', { name: 'Decline' }).click();
    await page.getByTestId('result').waitFor();
    const res = await page.goto(link.body.response);
    assert.ok(res.status() >= 400, `a used link answers an error status, got ${res.status()}`);
    assert.ok(await page.getByRole('alert').isVisible(), 'the reason is an alert');
    await check(t, page, 'used link');
  } finally {
    await page.close();
  }
});
