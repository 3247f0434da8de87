// Builds the npm packages of the billing mock into bin/npm/ (`make npm` runs this through
// build.sh, which installs the pinned tools first):
//
//   bin/npm/packages/billing-mock/          @cloudplans/billing-mock: the `billing-mock` launcher,
//                                           startMock() and the typed control client (lib/), the
//                                           Playwright fixture; no runtime dependencies
//   bin/npm/packages/billing-mock-<platform>/  one per platform (linux, darwin, win32 × x64, arm64):
//                                           package.json with "os" and "cpu", bin/billing-mock[.exe]
//   bin/npm/*.tgz                           the packed tarballs (npm pack), what would be published
//
// The launcher lists every platform package as an optional dependency of the same version, so npm
// installs only the one whose os and cpu match (esbuild and Biome ship their binaries this way).
// The control client's types are generated from controlapi.yaml with openapi-typescript, then the
// TypeScript sources compile under --strict: a change of the control API that breaks the client
// breaks this build.
//
//   node build.mjs [--version 1.2.3] [--platforms linux-x64,darwin-arm64] [--out DIR] [--no-pack]
//
// --out builds somewhere else than bin/npm (the browser tests build the launcher and this
// machine's package for themselves); --no-pack skips the tarballs.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
let out = join(root, 'bin/npm');
const gen = join(root, 'bin/npm/gen'); // tsconfig.json's rootDirs name it: the generated types, an intermediate
const tools = join(here, 'node_modules/.bin');

/** Node's platform-arch → Go's GOOS/GOARCH. */
export const platforms = {
  'linux-x64': { goos: 'linux', goarch: 'amd64', os: 'linux', cpu: 'x64', name: 'Linux x64' },
  'linux-arm64': { goos: 'linux', goarch: 'arm64', os: 'linux', cpu: 'arm64', name: 'Linux arm64' },
  'darwin-x64': { goos: 'darwin', goarch: 'amd64', os: 'darwin', cpu: 'x64', name: 'macOS x64' },
  'darwin-arm64': { goos: 'darwin', goarch: 'arm64', os: 'darwin', cpu: 'arm64', name: 'macOS arm64 (Apple silicon)' },
  'win32-x64': { goos: 'windows', goarch: 'amd64', os: 'win32', cpu: 'x64', name: 'Windows x64' },
  'win32-arm64': { goos: 'windows', goarch: 'arm64', os: 'win32', cpu: 'arm64', name: 'Windows arm64' },
};

const scope = '@cloudplans';
const common = {
  license: 'Apache-2.0',
  homepage: 'https://github.com/cloudplans/billing-mock#readme',
  repository: { type: 'git', url: 'git+https://github.com/cloudplans/billing-mock.git' },
  engines: { node: '>=18' },
};

function run(cmd, args, opts = {}) {
  execFileSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
}

function writeJSON(file, value) {
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** The version to give the packages: --version, else $NPM_VERSION, else the git tag, else 0.0.0-dev. */
function packageVersion(flag) {
  const v = flag || process.env.NPM_VERSION || (() => {
    try {
      return execFileSync('git', ['describe', '--tags', '--match', 'v[0-9]*'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim().replace(/^v/, '');
    } catch {
      return '0.0.0-dev';
    }
  })();
  if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(v)) throw new Error(`not a semantic version: ${v}`);
  return v;
}

function buildPlatform(key, version) {
  const p = platforms[key];
  const dir = join(out, 'packages', `billing-mock-${key}`);
  const exe = p.goos === 'windows' ? 'billing-mock.exe' : 'billing-mock';
  mkdirSync(join(dir, 'bin'), { recursive: true });
  console.log(`==> go build ${p.goos}/${p.goarch} -> ${scope}/billing-mock-${key}`);
  // -buildvcs=auto records the commit even where GOFLAGS turns it off, so that -version names it.
  run('go', ['build', '-buildvcs=auto', '-trimpath', '-ldflags=-s -w', '-o', join(dir, 'bin', exe), './cmd/billing-mock'], {
    env: { ...process.env, CGO_ENABLED: '0', GOOS: p.goos, GOARCH: p.goarch },
  });
  chmodSync(join(dir, 'bin', exe), 0o755);
  writeJSON(join(dir, 'package.json'), {
    name: `${scope}/billing-mock-${key}`,
    version,
    description: `The ${p.name} binary of @cloudplans/billing-mock, the Cloud Plans billing mock. Install @cloudplans/billing-mock, not this.`,
    ...common,
    os: [p.os],
    cpu: [p.cpu],
    preferUnplugged: true,
    files: [`bin/${exe}`],
  });
  writeFileSync(join(dir, 'README.md'), `# ${scope}/billing-mock-${key}\n\nThe ${p.name} binary of [\`@cloudplans/billing-mock\`](https://www.npmjs.com/package/@cloudplans/billing-mock), a static Go build of \`cmd/billing-mock\`. Install \`@cloudplans/billing-mock\`: it depends on this package for ${p.name} only.\n`);
  return dir;
}

function buildLauncher(version, keys) {
  const dir = join(out, 'packages', 'billing-mock');
  mkdirSync(gen, { recursive: true });
  console.log('==> openapi-typescript controlapi.yaml');
  run(join(tools, 'openapi-typescript'), [join(root, 'controlapi.yaml'), '--output', join(gen, 'controlapi.d.ts')]);
  console.log('==> tsc --strict (the launcher, startMock, the control client, the Playwright fixture)');
  run(join(tools, 'tsc'), ['-p', join(here, 'tsconfig.json'), '--outDir', join(dir, 'lib')]);
  copyFileSync(join(gen, 'controlapi.d.ts'), join(dir, 'lib', 'controlapi.d.ts'));
  mkdirSync(join(dir, 'bin'), { recursive: true });
  writeFileSync(join(dir, 'bin', 'billing-mock.js'), "#!/usr/bin/env node\n'use strict';\nrequire('../lib/cli.js');\n");
  chmodSync(join(dir, 'bin', 'billing-mock.js'), 0o755);
  copyFileSync(join(here, 'README.md'), join(dir, 'README.md'));
  writeJSON(join(dir, 'package.json'), {
    name: `${scope}/billing-mock`,
    version,
    description: 'The Cloud Plans billing mock: a stateful mock of the billing API, validated against its OpenAPI contract, with a Playwright fixture and a typed control client.',
    keywords: ['mock', 'billing', 'openapi', 'playwright', 'contract-testing'],
    ...common,
    bin: { 'billing-mock': 'bin/billing-mock.js' },
    main: './lib/index.js',
    types: './lib/index.d.ts',
    exports: {
      '.': { types: './lib/index.d.ts', default: './lib/index.js' },
      './playwright': { types: './lib/playwright.d.ts', default: './lib/playwright.js' },
      './playwright/setup': { types: './lib/playwright-setup.d.ts', default: './lib/playwright-setup.js' },
      './package.json': './package.json',
    },
    files: ['bin/', 'lib/', 'README.md'],
    optionalDependencies: Object.fromEntries(keys.map((k) => [`${scope}/billing-mock-${k}`, version])),
    peerDependencies: { '@playwright/test': '>=1.40.0' },
    peerDependenciesMeta: { '@playwright/test': { optional: true } },
  });
  return dir;
}

function main() {
  const { values } = parseArgs({ options: { version: { type: 'string' }, platforms: { type: 'string' }, out: { type: 'string' }, 'no-pack': { type: 'boolean' } } });
  if (values.out) out = resolve(values.out);
  mkdirSync(out, { recursive: true });
  const version = packageVersion(values.version);
  const keys = values.platforms ? values.platforms.split(',') : Object.keys(platforms);
  for (const k of keys) if (!platforms[k]) throw new Error(`unknown platform ${k}; the platforms are ${Object.keys(platforms).join(', ')}`);
  rmSync(join(out, 'packages'), { recursive: true, force: true });
  for (const f of readdirSync(out, { withFileTypes: true })) if (f.name.endsWith('.tgz')) rmSync(join(out, f.name));
  // The launcher names all six platforms even when fewer are built (--platforms, for a quick
  // local build): it must install the same way wherever it is published from.
  const dirs = [buildLauncher(version, Object.keys(platforms)), ...keys.map((k) => buildPlatform(k, version))];
  if (values['no-pack']) {
    console.log(`npm packages ${version} in ${out}/packages/`);
    return;
  }
  console.log('==> npm pack');
  for (const d of dirs) run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', out, d], { stdio: ['ignore', 'ignore', 'inherit'] });
  console.log(`npm packages ${version} in ${out}/:`);
  for (const f of readdirSync(out).filter((f) => f.endsWith('.tgz')).sort()) console.log(`  ${f}`);
}

main();
