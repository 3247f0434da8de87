// The `billing-mock` command of the npm package (npx @cloudplans/billing-mock): runs this
// platform's binary with the same arguments, standard streams and exit status, and passes
// SIGINT, SIGTERM and SIGHUP on to it. When the process that started it goes away (npx runs it
// through `sh -c`, and a SIGTERM sent to npx stops that shell without passing it on), it stops
// the mock too rather than leave it serving on its port.
import { spawn } from 'node:child_process';

import { binaryPath } from './platform';

function main(): void {
  let binary: string;
  try {
    binary = binaryPath();
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
  const child = spawn(binary, process.argv.slice(2), { stdio: 'inherit', windowsHide: false });
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const forward = (signal: NodeJS.Signals) => { child.kill(signal); };
  for (const s of signals) process.on(s, forward);
  const parent = process.ppid;
  const orphaned = setInterval(() => {
    if (process.ppid !== parent) child.kill('SIGTERM');
  }, 500);
  orphaned.unref();
  child.once('error', (err) => {
    console.error(`billing-mock: cannot run ${binary}: ${err.message}`);
    process.exit(1);
  });
  child.once('exit', (code, signal) => {
    for (const s of signals) process.removeListener(s, forward);
    clearInterval(orphaned);
    if (signal) {
      process.kill(process.pid, signal); // die of the same signal, as a shell expects
      return;
    }
    process.exit(code ?? 1);
  });
}

main();
