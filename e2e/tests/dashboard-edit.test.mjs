// Editing a session on the dashboard in Chromium, through its own forms (POST, then a 303 back,
// no JavaScript): an invoice marked unpaid makes the subscription past due; a due date before the
// invoice's date is refused with the validator's message next to the field and changes nothing;
// download the state, upload it into another session, and copy it as a scenario file. Each result
// is cross-checked through the billing API and the control API.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { MOCK, billing, launchBrowser, mock, newSession, watch } from '../lib/harness.mjs';

let browser;

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

test('marking a paid, overdue invoice unpaid makes the subscription past due', { timeout: 60_000 }, async () => {
  const session = newSession('edit-unpaid');
  const page = await browser.context.newPage();
  const w = watch(page);
  try {
    await page.goto(`${MOCK}/_mock/?session=${session}`);
    const acme = page.locator('[data-org="org_acme"]');
    assert.equal(await acme.getByTestId('sub-status').textContent(), 'active');
    // inv_acme_0003 was due 2026-09-29, before the clock (2026-11-01).
    await page.getByLabel('Status of inv_acme_0003').selectOption('unpaid');
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.url().includes('/_mock/dashboard/invoice')),
      page.getByRole('button', { name: 'Save invoice inv_acme_0003' }).click(),
    ]);
    assert.equal(res.status(), 303);
    await page.waitForURL((u) => u.searchParams.get('done') === 'edit' && u.searchParams.get('session') === session);
    assert.equal(await page.getByTestId('notice').textContent(), 'Saved the invoice.');
    assert.equal(await acme.getByTestId('sub-status').textContent(), 'past due');
    assert.equal(await acme.locator('[data-invoice="inv_acme_0003"] td:nth-child(5)').textContent(), 'unpaid, overdue');

    const describe = await billing(session, 'GET', 'describe', 'getorganization', { org_id: 'org_acme' });
    assert.equal(describe.body.response.subscription.status, 'past_due');
    const journal = await mock(session, 'GET', '/_mock/requests?action=dashboard.edit_invoice');
    assert.equal(journal.body.requests.length, 1);
    assert.equal(journal.body.requests[0].status, 303);
    assert.match(journal.body.requests[0].request_body, /invoice=inv_acme_0003/);
    assert.deepEqual(w.problems(), []);
  } finally {
    await page.close();
  }
});

test('a due date before the invoice date is refused with the validator\'s message next to the field', { timeout: 60_000 }, async () => {
  const session = newSession('edit-bad-date');
  const page = await browser.context.newPage();
  try {
    await page.goto(`${MOCK}/_mock/?session=${session}`);
    await page.getByLabel('Due date of inv_acme_0004').fill('2026-10-01');
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.url().includes('/_mock/dashboard/invoice')),
      page.getByRole('button', { name: 'Save invoice inv_acme_0004' }).click(),
    ]);
    assert.equal(res.status(), 400);
    await page.waitForLoadState();
    const message = 'organizations[0].invoices[3].due_date: 2026-10-01 is before the invoice date 2026-10-15';
    const row = page.locator('[data-invoice="inv_acme_0004"]');
    assert.equal(await row.getByTestId('field-error').textContent(), message);
    const field = page.getByLabel('Due date of inv_acme_0004');
    assert.equal(await field.getAttribute('aria-invalid'), 'true');
    assert.equal(await page.locator(`#${await field.getAttribute('aria-describedby')}`).textContent(), message);
    assert.equal(await page.getByTestId('error').textContent(), `Not changed: ${message}`);
    // The field keeps what was typed, to be corrected; the state is as it was.
    assert.equal(await field.inputValue(), '2026-10-01');
    assert.equal(await row.locator('td.due').textContent(), '2026-11-14');
    const history = await billing(session, 'GET', 'history', 'list_billing', { org_id: 'org_acme' });
    assert.equal(history.body.billing_history[0].due_date, '2026-11-14');
  } finally {
    await page.close();
  }
});

test('download the state, upload it into another session, and copy it as a scenario', { timeout: 60_000 }, async () => {
  const from = newSession('edit-download');
  const into = newSession('edit-upload');
  assert.equal((await mock(from, 'POST', '/_mock/scenarios/past-due')).status, 200);
  const exported = (await mock(from, 'GET', '/_mock/state')).text;
  const page = await browser.context.newPage();
  const w = watch(page);
  try {
    await page.goto(`${MOCK}/_mock/?session=${from}`);
    const share = page.getByTestId('share');
    const commands = await share.getByTestId('share-commands').textContent();
    assert.match(commands, new RegExp(`curl -s -H 'X-Mock-Session: ${from}' '${MOCK}/_mock/state' > state.yaml`));
    assert.match(commands, /--data-binary @state\.yaml/);
    assert.match(commands, /describe\?action=getorganization&org_id=org_acme/);

    const [download] = await Promise.all([page.waitForEvent('download'), share.getByTestId('download').click()]);
    assert.equal(download.suggestedFilename(), `state-${from}.yaml`);
    const file = join(tmpdir(), `${from}.yaml`);
    await download.saveAs(file);
    assert.equal(await readFile(file, 'utf8'), exported, 'the download is the export');

    await page.goto(`${MOCK}/_mock/?session=${into}`);
    const acme = page.locator('[data-org="org_acme"]');
    assert.equal(await acme.getByTestId('sub-status').textContent(), 'active');
    await page.getByLabel('Upload a state').setInputFiles(file);
    await page.getByRole('button', { name: 'Upload and load it' }).click();
    await page.waitForURL((u) => u.searchParams.get('done') === 'edit' && u.searchParams.get('what') === 'upload');
    assert.equal(await page.getByTestId('notice').textContent(), 'Loaded the uploaded state.');
    assert.equal(await acme.getByTestId('sub-status').textContent(), 'past due');
    assert.equal((await mock(into, 'GET', '/_mock/state')).text, exported, 'upload then export gives the same file');

    // A broken file is refused with the line and the field, and changes nothing.
    const broken = join(tmpdir(), `${into}-broken.yaml`);
    await writeFile(broken, exported.replace('quantity: 3', 'quantity: 0'));
    await page.getByLabel('Upload a state').setInputFiles(broken);
    await page.getByRole('button', { name: 'Upload and load it' }).click();
    await page.waitForLoadState();
    assert.match(await page.getByTestId('share').getByTestId('field-error').textContent(),
      /^line \d+: organizations\[0\]\.subscription\.quantity: must be an integer from 1 to 10000, got 0$/);
    assert.equal((await mock(into, 'GET', '/_mock/state')).text, exported);

    // Copy as scenario: a download named for fixtures/scenarios/, with the one-line description.
    await page.goto(`${MOCK}/_mock/?session=${into}`);
    await share.getByLabel('Scenario name').fill('acme-ticket-1234');
    await share.getByLabel('Description (one line)').fill('org_acme past due, as in ticket 1234');
    const [scenario] = await Promise.all([page.waitForEvent('download'), share.getByRole('button', { name: 'Copy as scenario' }).click()]);
    assert.equal(scenario.suggestedFilename(), 'acme-ticket-1234.yaml');
    const scenarioFile = join(tmpdir(), 'acme-ticket-1234.yaml');
    await scenario.saveAs(scenarioFile);
    const text = await readFile(scenarioFile, 'utf8');
    assert.match(text, /^description: org_acme past due, as in ticket 1234$/m);
    assert.match(text, /fixtures\/scenarios\/acme-ticket-1234\.yaml/);
    // It loads as a state does.
    const loaded = await fetch(`${MOCK}/_mock/state`, { method: 'PUT', headers: { 'X-Mock-Session': newSession('edit-scenario') }, body: text });
    assert.equal(loaded.status, 200, await loaded.text());
    assert.deepEqual(w.problems().filter((p) => !p.includes('400')), []);
  } finally {
    await page.close();
  }
});
