// Starting the mock from Node: the binary on a free loopback port, its URL read from its banner.
import { spawn, type ChildProcess } from 'node:child_process';

import { binaryPath } from './platform';

/** How to start the mock. */
export interface StartOptions {
  /** More flags for billing-mock, e.g. ['-scenario', 'past-due']. It listens on 127.0.0.1 with a free port unless they say -addr. */
  args?: string[];
  /** The binary to run; default: binaryPath() ($BILLING_MOCK_BINARY, else this platform's package). */
  binary?: string;
  /** How long to wait for the banner, in milliseconds (default 10000). */
  timeoutMs?: number;
}

/** A mock this process started. */
export interface RunningMock {
  /** Its base URL, e.g. http://127.0.0.1:41234. */
  readonly url: string;
  /** Its process id. */
  readonly pid: number;
  /** Stops it (SIGTERM, then SIGKILL after 5 s) and resolves when it has exited. */
  stop(): Promise<void>;
}

const banner = /^billing-mock listening on (https?:\/\/\S+)\r?$/m;

/**
 * Starts billing-mock with `-addr 127.0.0.1:0 -quiet` and the given flags, and resolves once it
 * listens. It rejects, with what the mock wrote on stderr, when the mock exits first or prints no
 * banner in time. The mock is also stopped when this process exits.
 */
export function startMock(options: StartOptions = {}): Promise<RunningMock> {
  const binary = options.binary ?? binaryPath();
  const child = spawn(binary, ['-addr', '127.0.0.1:0', '-quiet', ...(options.args ?? [])], { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<void>((resolve) => child.once('exit', () => {
    process.removeListener('exit', killOnExit);
    resolve();
  }));
  let stdout = '';
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => { stderr = (stderr + chunk).slice(-8192); });

  return new Promise<RunningMock>((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`billing-mock (${binary}) ${why}${stderr ? `:\n${stderr.trim()}` : ''}`));
    };
    const timer = setTimeout(() => fail(`printed no banner within ${options.timeoutMs ?? 10_000} ms`), options.timeoutMs ?? 10_000);
    const early = (code: number | null, signal: NodeJS.Signals | null) => fail(`exited before it listened (${signal ?? `exit status ${code}`})`);
    child.once('error', (err) => fail(`could not start: ${err.message}`));
    child.once('exit', early);
    const onData = (chunk: string) => {
      stdout += chunk;
      const m = banner.exec(stdout);
      if (!m) return;
      clearTimeout(timer);
      child.removeListener('exit', early);
      child.stdout!.removeListener('data', onData).resume();
      resolve({ url: m[1], pid: child.pid!, stop: () => stop(child, exited) });
    };
    child.stdout!.setEncoding('utf8').on('data', onData);
  });
}

async function stop(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
