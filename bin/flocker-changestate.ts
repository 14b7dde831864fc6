#!/usr/bin/env node
// flocker-changestate: see src/changestate/cli.ts for the commands.
import { errorText, main } from '../src/changestate/cli.js';
import { exitCodeFor } from '../src/errors.js';
import { localNode } from '../src/node/local-node.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

try {
  await main(
    process.argv.slice(2),
    {
      stdin: process.stdin,
      readStdin,
      stdout: (s) => process.stdout.write(s),
      stdoutStream: process.stdout,
      env: process.env,
    },
    localNode(),
  );
} catch (e) {
  process.stderr.write(`flocker-changestate: ${errorText(e)}\n`);
  process.exitCode = exitCodeFor(e);
}
