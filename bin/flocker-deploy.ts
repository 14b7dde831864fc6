#!/usr/bin/env node
import { main } from '../src/deploy/cli.js';

const code = await main(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  interactive: process.stderr.isTTY === true && !process.env.CI,
  now: () => new Date(),
});
process.exitCode = code;
