// The npm packages, installed as a user installs them, with no registry: `make npm-test` runs this
// after `make npm`. It packs nothing itself; it installs the tarballs of bin/npm/ into a new
// project in a temporary directory:
//
//   - the project depends on the launcher's tarball, and `overrides` point each platform package
//     (an optional dependency of the launcher) at its tarball, so npm resolves all seven from
//     local files and picks the platform package by its "os" and "cpu" fields, as it would from a
//     registry;
//   - npm runs with --offline, an empty cache of its own, no user config and the registry set to a
//     closed loopback port: any registry access would fail the install. The lockfile it writes
//     must resolve every package to a file.
//
// Then `npx billing-mock -version`, `npx @cloudplans/billing-mock -version`, a mock started with
// npx and a describe against it, the JavaScript API (startMock and the control client), and the
// package's TypeScript types under tsc --strict.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');
const dist = join(root, 'bin/npm');
const tsc = join(here, '../node_modules/.bin/tsc');
const hostKey = `${process.platform}-${process.arch}`;
const exec = promisify(execFile);

let tmp;
let project;
let env;

/** The tarball of a package in bin/npm (name without scope, e.g. billing-mock-linux-x64). */
function tarball(name) {
  const re = new RegExp(`^cloudplans-${name}-\\d+\\.\\d+\\.\\d+(-[0-9A-Za-z.-]+)?\\.tgz$`);
  const found = readdirSync(dist).filter((f) => re.test(f));
  assert.equal(found.length, 1, `one tarball of ${name} in bin/npm (run make npm first), found ${found}`);
  return join(dist, found[0]);
}

function npm(args, opts = {}) {
  return exec('npm', args, { cwd: project, env, timeout: 120_000, ...opts });
}

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'npm-offline-'));
  project = join(tmp, 'app');
  const cache = join(tmp, 'npm-cache');
  const userconfig = join(tmp, 'npmrc');
  writeFileSync(userconfig, '');
  env = {
    ...process.env,
    npm_config_offline: 'true',
    npm_config_cache: cache,
    npm_config_userconfig: userconfig,
    npm_config_registry: 'http://127.0.0.1:9/', // a closed port: a registry request would fail
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    BILLING_MOCK_BINARY: '',
  };
  const platformKeys = ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64', 'win32-x64', 'win32-arm64'];
  const launcher = JSON.parse(readFileSync(join(dist, 'packages/billing-mock/package.json'), 'utf8'));
  assert.deepEqual(Object.keys(launcher.optionalDependencies).sort(), platformKeys.map((k) => `@cloudplans/billing-mock-${k}`).sort());
  const { mkdirSync } = await import('node:fs');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({
    name: 'offline-app',
    version: '1.0.0',
    private: true,
    dependencies: { '@cloudplans/billing-mock': `file:${tarball('billing-mock')}` },
    overrides: Object.fromEntries(platformKeys.map((k) => [`@cloudplans/billing-mock-${k}`, `file:${tarball(`billing-mock-${k}`)}`])),
  }, null, 2));
});

after(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** What the first bytes of a binary say it is: "linux-x64", "darwin-arm64", "win32-x64"... */
function binaryKind(b) {
  if (b.readUInt32BE(0) === 0x7f454c46) return `linux-${{ 0x3e: 'x64', 0xb7: 'arm64' }[b.readUInt16LE(18)]}`;
  if (b.readUInt32LE(0) === 0xfeedfacf) return `darwin-${{ 0x01000007: 'x64', 0x0100000c: 'arm64' }[b.readUInt32LE(4)]}`;
  if (b.toString('latin1', 0, 2) === 'MZ') {
    const pe = b.readUInt32LE(0x3c);
    if (b.toString('latin1', pe, pe + 4) === 'PE\0\0') return `win32-${{ 0x8664: 'x64', 0xaa64: 'arm64' }[b.readUInt16LE(pe + 4)]}`;
  }
  return 'unknown';
}

test('each platform tarball carries a binary for its os and cpu', async () => {
  for (const key of ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64', 'win32-x64', 'win32-arm64']) {
    const file = key.startsWith('win32') ? 'package/bin/billing-mock.exe' : 'package/bin/billing-mock';
    const { stdout } = await exec('tar', ['-xzOf', tarball(`billing-mock-${key}`), file], { encoding: 'buffer', maxBuffer: 64 << 20 });
    assert.ok(stdout.length > 1 << 20, `${key}: ${file} is ${stdout.length} bytes`);
    assert.equal(binaryKind(stdout), key, `${key}: ${file}`);
    const manifest = JSON.parse((await exec('tar', ['-xzOf', tarball(`billing-mock-${key}`), 'package/package.json'])).stdout);
    assert.deepEqual([manifest.os, manifest.cpu], [[key.split('-')[0]], [key.split('-')[1]]], `${key}: os and cpu of package.json`);
  }
});

test('npm install --offline from the tarballs, with no registry', { timeout: 180_000 }, async () => {
  await npm(['install', '--offline', '--no-audit', '--no-fund', '--loglevel=error']);
  const installed = readdirSync(join(project, 'node_modules/@cloudplans')).sort();
  assert.deepEqual(installed, ['billing-mock', `billing-mock-${hostKey}`], 'npm installs the launcher and only this platform\'s package');
  const lock = JSON.parse(readFileSync(join(project, 'package-lock.json'), 'utf8'));
  const resolved = Object.entries(lock.packages).filter(([k]) => k).map(([k, v]) => [k, v.resolved ?? '']);
  assert.ok(resolved.length >= 2);
  for (const [name, from] of resolved) assert.match(from, /^file:/, `${name} resolved from ${from}, not from a local file`);
  const cached = join(tmp, 'npm-cache/_cacache/index-v5');
  if (existsSync(cached)) {
    const { stdout } = await exec('grep', ['-rhoE', 'https?://[^"]+', cached]).catch(() => ({ stdout: '' }));
    assert.equal(stdout, '', 'npm cached nothing from a URL');
  }
});

test('npx billing-mock -version and npx @cloudplans/billing-mock -version', async () => {
  for (const bin of ['billing-mock', '@cloudplans/billing-mock']) {
    const { stdout } = await exec('npx', ['--offline', bin, '-version'], { cwd: project, env, timeout: 60_000 });
    assert.match(stdout, /^billing-mock \S+ \(go\d[^)]*\)\n$/, `npx ${bin} -version`);
  }
});

test('npx billing-mock serves; describe answers 200; SIGTERM stops it', { timeout: 60_000 }, async () => {
  const child = spawn('npx', ['--offline', 'billing-mock', '-addr', '127.0.0.1:0', '-quiet'], { cwd: project, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((res) => child.once('exit', (code, signal) => res({ code, signal })));
  try {
    const url = await new Promise((res, rej) => {
      let out = '';
      const timer = setTimeout(() => rej(new Error(`no banner within 20 s; stderr: ${stderr}`)), 20_000);
      child.stdout.on('data', (d) => {
        out += d;
        const m = /^billing-mock listening on (http:\/\/127\.0\.0\.1:\d+)$/m.exec(out);
        if (m) { clearTimeout(timer); res(m[1]); }
      });
      child.once('exit', () => rej(new Error(`npx exited before the banner; stderr: ${stderr}`)));
    });
    const res = await fetch(`${url}/v1/organizations/billing/describe?action=getorganization&org_id=org_acme`, {
      headers: { Authorization: 'Bearer tok_owner' }, signal: AbortSignal.timeout(5000),
    });
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.response.organization.id, 'org_acme');

    // SIGTERM to npx alone (not its process group): npx stops the shell it ran the launcher in, and
    // the launcher, orphaned, stops the mock.
    process.kill(child.pid, 'SIGTERM');
    await Promise.race([exited, new Promise((_, rej) => setTimeout(() => rej(new Error('npx did not exit within 10 s of SIGTERM')), 10_000))]);
    let gone = false;
    for (let i = 0; i < 50 && !gone; i++) {
      gone = await fetch(`${url}/_mock/health`, { signal: AbortSignal.timeout(1000) }).then(() => false, () => true);
      if (!gone) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(gone, 'the mock still serves 5 s after npx was stopped');
  } finally {
    try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
  }
});

test('the JavaScript API: startMock and the typed control client', { timeout: 60_000 }, async () => {
  const script = `
    const assert = require('node:assert/strict');
    const { startMock, MockControl, MockControlError, linkId } = require('@cloudplans/billing-mock');
    (async () => {
      const running = await startMock();
      try {
        const mock = new MockControl({ url: running.url, session: 'npm-test' });
        const billing = (method, endpoint, query) => fetch(running.url + '/v1/organizations/billing/' + endpoint + '?' + new URLSearchParams(query),
          { method, headers: { Authorization: 'Bearer tok_owner', ...mock.headers() } }).then((r) => r.json());
        assert.equal((await mock.health()).session, 'npm-test');
        assert.equal((await mock.loadScenario('past-due')).scenario, 'past-due');
        assert.equal((await billing('GET', 'describe', { action: 'getorganization', org_id: 'org_acme' })).response.subscription.status, 'past_due');
        const other = await new MockControl({ url: running.url }).health();
        assert.equal(other.session, '');
        const adv = await mock.advanceClock('720h');
        assert.equal(adv.now, '2026-12-01T09:00:00Z');
        const fault = await mock.fault({ action: 'list_billing', status: 500, count: 1 });
        assert.match(fault.id, /^flt_/);
        assert.equal((await mock.faults()).length, 1);
        assert.equal((await billing('GET', 'history', { action: 'list_billing', org_id: 'org_acme' })).status, 500);
        assert.equal((await mock.requests({ action: 'list_billing' }))[0].status, 500);
        await mock.reset();
        const link = (await billing('POST', 'update', { action: 'getpaymentlink', org_id: 'org_new', quantity: '2' })).response;
        assert.ok(link.endsWith('?session=npm-test'), link);
        assert.equal(linkId(link), new URL(link).pathname.split('/').pop());
        assert.equal((await mock.completeCheckout(link)).outcome, 'paid');
        await assert.rejects(mock.completeCheckout(link), (err) => err instanceof MockControlError && err.status === 409 && err.code === 'link_closed');
        await assert.rejects(mock.loadScenario('nope'), (err) => err instanceof MockControlError && err.code === 'scenario_not_found');
        const yaml = await mock.exportState();
        assert.match(yaml, /^# Cloud Plans billing-mock state/);
        assert.equal((await mock.importState(yaml)).organizations, 3);
        console.log('api ok');
      } finally {
        await running.stop();
      }
    })().catch((err) => { console.error(err); process.exit(1); });
  `;
  const { stdout } = await exec(process.execPath, ['-e', script], { cwd: project, env, timeout: 50_000 });
  assert.equal(stdout.trim(), 'api ok');
});

test('the package\'s types: generated from controlapi.yaml, usable under tsc --strict', { timeout: 60_000 }, async () => {
  writeFileSync(join(project, 'consumer.ts'), `
    import { MockControl, type Fault, type JournalEntry } from '@cloudplans/billing-mock';
    export async function check(mock: MockControl): Promise<string> {
      await mock.loadScenario('past-due');
      const f: Fault = await mock.fault({ action: 'getorganization', status: 500, count: 1 });
      // @ts-expect-error: a fault's status is a number in controlapi.yaml
      await mock.fault({ action: 'getorganization', status: '500' });
      // @ts-expect-error: an unknown member of a fault rule
      await mock.fault({ action: 'getorganization', statuz: 500 });
      const entries: JournalEntry[] = await mock.requests({ action: 'updatesubscription', limit: 1 });
      // @ts-expect-error: limit is an integer
      await mock.requests({ limit: 'one' });
      const adv = await mock.advanceClock('720h');
      return f.id + entries.length + adv.renewals.map((r) => r.amount).join();
    }
  `);
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { strict: true, noEmit: true, module: 'commonjs', target: 'ES2022', lib: ['ES2022'], types: ['node'], typeRoots: [join(here, '../node_modules/@types')] },
    files: ['consumer.ts'],
  }));
  try {
    await exec(tsc, ['-p', 'tsconfig.json'], { cwd: project, env, timeout: 50_000 });
  } catch (err) {
    assert.fail(`tsc: ${err.stdout}${err.stderr}`);
  }
});

test('BILLING_MOCK_BINARY pointing nowhere is a clear error', async () => {
  await assert.rejects(
    exec('npx', ['--offline', 'billing-mock', '-version'], { cwd: project, env: { ...env, BILLING_MOCK_BINARY: join(tmp, 'missing') }, timeout: 30_000 }),
    (err) => err.code === 1 && /BILLING_MOCK_BINARY=.*does not exist/.test(err.stderr),
  );
});
