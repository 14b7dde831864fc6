#!/usr/bin/env node
// flocker-reportstate: print this node's state as one versioned JSON document (NodeState).
import { reportstate } from '../src/node/programs.js';

process.exitCode = await reportstate();
