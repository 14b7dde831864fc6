#!/usr/bin/env node
// flocker: deploy, plan, status, logs, audit, prune, lock (see src/deploy/flocker-cli.ts).
import { main } from '../src/deploy/flocker-cli.js';

const ac = new AbortController();
process.on('SIGINT', () => {
  // `logs -f` ends on its own (exit 130); anything else gets a moment to close its connections
  ac.abort();
  setTimeout(() => {
    process.stderr.write('flocker: interrupted\n');
    process.exit(130);
  }, 1000).unref();
});
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0); // `flocker status | head`: quiet
});

const code = await main(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  interactive: process.stderr.isTTY === true && !process.env.CI,
  now: () => new Date(),
  signal: ac.signal,
});
process.exitCode = code;
