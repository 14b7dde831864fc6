#!/usr/bin/env node
// flocker-reportstate: print this node's state as one versioned JSON document (NodeState).
import { quietBrokenPipes } from '../src/cli-support/index.js';
import { reportstate } from '../src/node/programs.js';

quietBrokenPipes(process.stdout, process.stderr);
process.exitCode = await reportstate(process.argv.slice(2));
