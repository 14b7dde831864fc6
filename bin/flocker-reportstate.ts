#!/usr/bin/env node
// flocker-reportstate: print this node's state as one versioned JSON document (NodeState).
import { localNode } from '../src/node/local-node.js';
import { exitCodeFor } from '../src/errors.js';
import { preflight } from '../src/reportstate/preflight.js';

const node = localNode();
try {
  process.stdout.write(`${JSON.stringify(await node.gather())}\n`);
} catch (err) {
  // explain a failure by what is missing (docker, zfs, systemd, iptables) when that is the cause
  const why = await preflight(node.runner).then(
    () => err,
    (missing: unknown) => missing,
  );
  process.stderr.write(`flocker-reportstate: ${why instanceof Error ? why.message : String(why)}\n`);
  process.exitCode = exitCodeFor(why);
}
