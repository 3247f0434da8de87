// Shared by the browser tests: Debian's Chromium through playwright-core, a static server for the
// example app on its own loopback port, and calls to the mock's control API.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { extname, join, normalize, sep } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);

/** The mock under test; run.sh starts it and sets MOCK_URL. */
export const MOCK = (() => {
  const url = process.env.MOCK_URL;
  if (!url || !/^http:\/\/127\.0\.0\.1:\d+$/.test(url)) {
    throw new Error('MOCK_URL must be the loopback URL of a running billing-mock (run the tests with make e2e)');
  }
  return url;
})();

export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 375, height: 812 };

/** Where the screenshots shown in the README go. */
export const DOCS = fileURLToPath(new URL('../../docs/', import.meta.url));

/** A session id of its own for each test, so tests never see each other's state. */
export function newSession(name) {
  return `e2e-${name}-${randomBytes(4).toString('hex')}`;
}

/**
 * Launches Chromium with a fresh profile. Returns the browser context and a close function that
 * closes the browser and deletes the profile.
 */
export async function launchBrowser() {
  const profile = await mkdtemp(join(tmpdir(), 'e2e-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: DESKTOP,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-quic', '--disable-breakpad', '--disable-crash-reporter',
    ],
    timeout: 30_000,
  });
  context.setDefaultTimeout(10_000);
  context.setDefaultNavigationTimeout(15_000);
  return {
    context,
    async close() {
      await context.close().catch(() => {});
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Records what a page should never do in these tests: a script error, a console error (Chromium
 * logs CORS refusals there) or a failed request. problems() lists them.
 */
export function watch(page) {
  const seen = [];
  page.on('pageerror', (err) => seen.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') seen.push(`console error: ${msg.text()}`);
  });
  page.on('requestfailed', (req) => {
    // Leaving a page while a request of it is still open is not a failure.
    if (req.failure()?.errorText === 'net::ERR_ABORTED') return;
    seen.push(`request failed: ${req.method()} ${req.url()}: ${req.failure()?.errorText}`);
  });
  return { problems: () => [...seen] };
}

const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };

/**
 * Serves the example app (e2e/app) on a loopback port of its own, so that its origin differs from
 * the mock's: every call it makes is a cross-origin fetch(). host defaults to 127.0.0.1.
 */
export async function serveApp(host = '127.0.0.1') {
  const root = fileURLToPath(new URL('../app/', import.meta.url));
  const server = createServer(async (req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    const file = normalize(join(root, path === '/' ? 'index.html' : path));
    if (!file.startsWith(root) || file.includes(`${sep}..`) || !types[extname(file)]) {
      res.writeHead(404).end('not found');
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'Content-Type': types[extname(file)], 'Cache-Control': 'no-store' }).end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  server.keepAliveTimeout = 1000;
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const origin = `http://${host}:${server.address().port}`;
  return {
    origin,
    /** The app's URL for a session and organization (extra: more query parameters). */
    url(session, org, extra = {}) {
      const q = new URLSearchParams({ api: MOCK, session, org, ...extra });
      return `${origin}/?${q}`;
    },
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}

/** Calls the mock's control API (or any path of it) in a session; resolves to { status, body }. */
export async function mock(session, method, path, body) {
  const headers = { 'X-Mock-Session': session };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(MOCK + path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, body: json, text };
}

/** Calls a billing action as tok_owner (from node, not the browser) in a session. */
export async function billing(session, method, endpoint, action, query = {}) {
  const q = new URLSearchParams({ action, ...query });
  const res = await fetch(`${MOCK}/v1/organizations/billing/${endpoint}?${q}`, {
    method, headers: { 'X-Mock-Session': session, Authorization: 'Bearer tok_owner' },
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, body: await res.json() };
}

/**
 * Runs axe-core in the page and returns its violations; serious() keeps the serious and critical
 * ones, which fail the tests.
 */
export async function axe(page) {
  await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) }));
}

export const serious = (violations) => violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');

/**
 * Saves a screenshot into docs/ for the README, writing the file only when the picture changed (so
 * a run leaves the tree clean).
 */
export async function screenshot(page, name) {
  const png = await page.screenshot({ type: 'png', animations: 'disabled', caret: 'hide' });
  const file = join(DOCS, name);
  const old = await readFile(file).catch(() => null);
  if (!old || !old.equals(png)) await writeFile(file, png);
  return { file, name, bytes: png.length };
}
