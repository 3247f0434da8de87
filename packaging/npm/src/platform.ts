// Which package of the optional dependencies carries the binary for this machine, and where the
// binary is. The launcher package depends on one package per platform (as esbuild and Biome ship
// theirs); each declares "os" and "cpu", so npm installs only the one that fits.
import { existsSync } from 'node:fs';

/** The platform packages, keyed by Node's `${process.platform}-${process.arch}`. */
export const platformPackages: Readonly<Record<string, string>> = {
  'linux-x64': '@cloudplans/billing-mock-linux-x64',
  'linux-arm64': '@cloudplans/billing-mock-linux-arm64',
  'darwin-x64': '@cloudplans/billing-mock-darwin-x64',
  'darwin-arm64': '@cloudplans/billing-mock-darwin-arm64',
  'win32-x64': '@cloudplans/billing-mock-win32-x64',
  'win32-arm64': '@cloudplans/billing-mock-win32-arm64',
};

/** The environment variable that names a binary to run instead of the bundled one. */
export const binaryEnv = 'BILLING_MOCK_BINARY';

/** The package and the file inside it that hold the binary for a platform and CPU. */
export function platformBinary(platform: string = process.platform, arch: string = process.arch): { pkg: string; file: string } {
  const pkg = platformPackages[`${platform}-${arch}`];
  if (!pkg) {
    const known = Object.keys(platformPackages).join(', ');
    throw new Error(`billing-mock: no binary for ${platform}-${arch} (there are: ${known}); build one with Go (go install github.com/cloudplans/billing-mock/cmd/billing-mock@latest) and set ${binaryEnv} to its path`);
  }
  return { pkg, file: platform === 'win32' ? 'bin/billing-mock.exe' : 'bin/billing-mock' };
}

/**
 * The path of the billing-mock binary to run: $BILLING_MOCK_BINARY when set, else the one in this
 * platform's package. Throws an error that says what to do when that package is not installed.
 */
export function binaryPath(env: NodeJS.ProcessEnv = process.env): string {
  const override = env[binaryEnv];
  if (override) {
    if (!existsSync(override)) throw new Error(`billing-mock: ${binaryEnv}=${override} does not exist`);
    return override;
  }
  const { pkg, file } = platformBinary();
  try {
    return require.resolve(`${pkg}/${file}`);
  } catch {
    throw new Error(`billing-mock: the package ${pkg}, which holds the binary for this platform, is not installed.
It is an optional dependency of @cloudplans/billing-mock: install without --omit=optional (or
--no-optional), and do not copy node_modules between operating systems. Or set ${binaryEnv}.`);
  }
}
