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

// The deploy side may die while this node works (a killed flocker-deploy, a dropped link): its
// ssh channel closes, and the work (a volume handoff) must still finish under the locks it took.
// So a closed stdout or stderr is not fatal, and a hang-up does not stop `apply`.
process.stdout.on('error', () => undefined);
process.stderr.on('error', () => undefined);
if (process.argv[2] === 'apply') process.on('SIGHUP', () => undefined);

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
} finally {
  // done: a caller that keeps our stdin open (the deploy lock's channel) must not keep us alive
  process.stdin.destroy();
}
