#!/usr/bin/env node
// flocker: deploy, plan, status, logs, audit, prune, lock (see src/deploy/flocker-cli.ts).
import { interruptions, quietBrokenPipes, safeWriter, signalExitCode } from '../src/cli-support/index.js';
import { main } from '../src/deploy/flocker-cli.js';

// `flocker status | head`: a reader that left is not an error
quietBrokenPipes(process.stdout, process.stderr);
// the first Ctrl-C / SIGTERM: deploy and plan close their sessions and end (130/143), `logs -f`
// stops following; any other command gets a moment to close its connections. A second: at once.
const ac = new AbortController();
const signals = interruptions(process, (sig) => process.exit(signalExitCode(sig)));
void signals.first.then((sig) => {
  ac.abort();
  setTimeout(() => {
    process.stderr.write(`flocker: interrupted: ${sig}\n`);
    process.exit(signalExitCode(sig));
  }, 2500).unref();
});
const code = await main(process.argv.slice(2), {
  stdout: safeWriter(process.stdout),
  stderr: safeWriter(process.stderr),
  interactive: process.stderr.isTTY === true && !process.env.CI,
  now: () => new Date(),
  interrupted: signals.first,
  signal: ac.signal,
});
signals.dispose();
if (code >= 128 && process.stderr.isTTY) process.stderr.write('\x1b[?25h'); // listr2 may have hidden it
process.exit(code);
