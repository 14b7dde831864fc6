#!/usr/bin/env node
// flocker-reportstate: print this node's state as one versioned JSON document (NodeState).
import { EXIT, quietBrokenPipes, versionLine, wantsHelp, wantsVersion } from '../src/cli-support/index.js';
import { localNode } from '../src/node/local-node.js';
import { exitCodeFor } from '../src/errors.js';
import { preflight } from '../src/reportstate/preflight.js';

const USAGE = `usage: flocker-reportstate [--help] [--version]

Print this node's state (apps, volumes, routes, identity) as one JSON document on stdout:
what flocker-deploy reads over ssh from every node before it plans. Run as root on a node.

Exit codes: 0 success; 1 reading the state failed (the message names what is missing: docker,
zfs, systemd or iptables); 2 usage.
`;

quietBrokenPipes(process.stdout, process.stderr);
const args = process.argv.slice(2);
if (wantsHelp(args)) process.stdout.write(USAGE);
else if (wantsVersion(args)) process.stdout.write(versionLine('flocker-reportstate'));
else if (args.length > 0) {
  process.stderr.write(`flocker-reportstate: unknown argument ${args[0]}\n${USAGE}`);
  process.exitCode = EXIT.USAGE;
} else {
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
}
