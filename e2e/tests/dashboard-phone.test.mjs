// The dashboard on a 375×812 phone: every invoice's status cell is inside the screen and inside
// its table's scroll box (not cut off), for the past-due scenario's long "unpaid, overdue" too.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { MOCK, PHONE, launchBrowser, mock, newSession, watch } from '../lib/harness.mjs';

let browser;

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

test('on a 375 px screen the invoices\' status column is not cut off', { timeout: 60_000 }, async () => {
  const session = newSession('dash-phone');
  assert.equal((await mock(session, 'POST', '/_mock/scenarios/past-due')).status, 200);
  const page = await browser.context.newPage();
  const w = watch(page);
  try {
    await page.setViewportSize(PHONE);
    await page.goto(`${MOCK}/_mock/?session=${session}`);
    const cells = await page.locator('table[data-testid="invoices"] tbody td.status').evaluateAll((tds) => tds.map((td) => {
      const cell = td.getBoundingClientRect();
      const box = td.closest('.scroll').getBoundingClientRect();
      return { text: td.textContent.trim(), right: cell.right, boxRight: box.right, viewport: window.innerWidth };
    }));
    assert.ok(cells.length >= 5, `invoices shown: ${cells.length}`);
    assert.ok(cells.some((c) => c.text === 'unpaid, overdue'), 'the longest status is among them');
    for (const c of cells) {
      assert.ok(c.right <= c.viewport, `status "${c.text}" ends at ${c.right}px, past the ${c.viewport}px screen`);
      assert.ok(c.right <= c.boxRight + 0.5, `status "${c.text}" ends at ${c.right}px, past its table's box (${c.boxRight}px)`);
    }
    assert.deepEqual(w.problems(), []);
  } finally {
    await page.close();
  }
});
