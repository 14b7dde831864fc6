#!/usr/bin/env node
// flocker-reportstate: print this node's state as one versioned JSON document (NodeState).
import { localNode } from '../src/changestate/local-node.js';
import { exitCodeFor } from '../src/errors.js';
import { preflight } from '../src/reportstate/preflight.js';

try {
  const node = localNode();
  await preflight(node.runner);
  process.stdout.write(`${JSON.stringify(await node.gather())}\n`);
} catch (err) {
  process.stderr.write(`flocker-reportstate: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = exitCodeFor(err);
}
