#!/usr/bin/env node
import { interruptions, quietBrokenPipes, safeWriter, signalExitCode } from '../src/cli-support/index.js';
import { main } from '../src/deploy/cli.js';

// `flocker-deploy --help | head -1`: a reader that left is not an error
quietBrokenPipes(process.stdout, process.stderr);
// the first Ctrl-C / SIGTERM ends the deploy cleanly (sessions closed); a second one at once
const signals = interruptions(process, (sig) => process.exit(signalExitCode(sig)));
const code = await main(process.argv.slice(2), {
  stdout: safeWriter(process.stdout),
  stderr: safeWriter(process.stderr),
  interactive: process.stderr.isTTY === true && !process.env.CI,
  now: () => new Date(),
  interrupted: signals.first,
});
signals.dispose();
if (code >= 128 && process.stderr.isTTY) process.stderr.write('\x1b[?25h'); // listr2 may have hidden it
// the deploy is over and its sessions closed: a socket still half-closing (a handshake the node
// refused lingers ~5 s) must not hold the exit. stdout/stderr writes are synchronous on Linux.
process.exit(code);
