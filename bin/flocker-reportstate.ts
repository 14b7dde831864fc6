#!/usr/bin/env node
// flocker-reportstate: print this node's state as one versioned JSON document (NodeState).
import { hostname } from 'node:os';
import { LocalRunner } from '../src/exec/local-runner.js';
import { RunnerNodeFiles } from '../src/systemd/node-files.js';
import { SystemdApplicationUnits } from '../src/systemd/application-units.js';
import { IptablesRouteTable } from '../src/routing/route-table.js';
import { ZfsVolumeStore } from '../src/zfs/zfs-volume-store.js';
import { gatherState, readIdentity } from '../src/reportstate/gather.js';
import { preflight } from '../src/reportstate/preflight.js';
import { exitCodeFor } from '../src/errors.js';

async function main(): Promise<void> {
  const runner = new LocalRunner(hostname());
  const files = new RunnerNodeFiles(runner);
  await preflight(runner);
  const state = await gatherState({
    identity: () => readIdentity(files, hostname()),
    units: new SystemdApplicationUnits(runner, files),
    volumes: new ZfsVolumeStore(runner),
    routes: new IptablesRouteTable(runner, files),
  });
  process.stdout.write(`${JSON.stringify(state)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`flocker-reportstate: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(exitCodeFor(err));
});
