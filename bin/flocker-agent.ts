#!/usr/bin/env node
// flocker-agent: the node-side programs in one file (bundled by scripts/build-agent.mjs into
// dist/agent/flocker-agent.mjs, run by the node's own Node.js 18+ with no node_modules).
//   flocker-agent reportstate            = flocker-reportstate
//   flocker-agent changestate CMD ...    = flocker-changestate CMD ...
//   flocker-agent version                = "<package version> <sha256 of this file>"
//   flocker-agent validators             = "generated" (the build's code) or "compiled" (at start)
// A new node-side program is one more case here (and a name in src/deploy/node-programs.ts).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { changestate, reportstate } from '../src/node/programs.js';
import { VALIDATORS_SOURCE } from '../src/validation/validators.js';

declare const FLOCKER_VERSION: string | undefined; // set by the bundler

const USAGE = 'usage: flocker-agent reportstate | changestate COMMAND [ARGS] | version\n';

async function agent(argv: readonly string[]): Promise<number> {
  const [program, ...rest] = argv;
  switch (program) {
    case 'reportstate':
      return reportstate(rest);
    case 'changestate':
      return changestate(rest);
    case 'version': {
      const self = fileURLToPath(import.meta.url);
      const sha = createHash('sha256').update(readFileSync(self)).digest('hex');
      const v = typeof FLOCKER_VERSION === 'string' ? FLOCKER_VERSION : 'unbundled';
      process.stdout.write(`${v} ${sha}\n`);
      return 0;
    }
    case 'validators':
      // a node runs it from a folder without node_modules: compiled here costs 1 s of CPU per command
      process.stdout.write(`${VALIDATORS_SOURCE}\n`);
      return 0;
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return 0;
    default:
      process.stderr.write(
        `flocker-agent: ${program === undefined ? '' : `unknown program ${program}\n`}${USAGE}`,
      );
      return 2;
  }
}

process.exitCode = await agent(process.argv.slice(2));
