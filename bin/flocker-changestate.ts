#!/usr/bin/env node
// flocker-changestate: see src/changestate/cli.ts for the commands.
import { changestate } from '../src/node/programs.js';

process.exitCode = await changestate(process.argv.slice(2));
