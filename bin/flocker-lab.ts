#!/usr/bin/env node
// flocker-lab: N real nodes (systemd-nspawn + systemd, sshd, dockerd, zfs-fuse) on this machine.
import { spawnSync } from 'node:child_process';
import { Command, CommanderError } from 'commander';
import { packageVersion, quietBrokenPipes } from '../src/cli-support/index.js';
import { exitCodeFor } from '../src/errors.js';
import {
  cutNetwork,
  fillPool,
  healNetwork,
  powerOff,
  powerOn,
  slowLink,
  unfillPool,
  unslowLink,
  formatStatus,
  labDown,
  labStatus,
  labUp,
  readLabState,
  restartNode,
  usageText,
} from '../src/lab/index.js';
import { parseSize, validateLabName, validateNodeName } from '../src/lab/options.js';
import { LabError } from '../src/lab/host.js';

quietBrokenPipes(process.stdout, process.stderr);
const program = new Command();
program
  .name('flocker-lab')
  .description('Real flocker test nodes on this machine (run as root)')
  .version(`flocker-lab ${packageVersion()}`, '-V, --version', 'print the version and exit')
  .exitOverride()
  .enablePositionalOptions()
  .showHelpAfterError();

const nameOpt = ['--name <lab>', 'lab name, 1-6 chars [a-z0-9]', 'flab'] as const;

program
  .command('up')
  .description('create and boot the lab nodes')
  .option('--nodes <n>', 'number of nodes (1..5)', '2')
  .option(...nameOpt)
  .option('--subnet <cidr>', 'IPv4 subnet: bridge .1, nodes .2, .3, ...', '198.51.100.0/24')
  .option('--pool-size <size>', "size of each node's sparse ZFS pool file", '1G')
  .option(
    '--bare',
    'nodes boot like fresh servers: a Debian 12 rootfs with Debian packages only (built once with debootstrap, cached under /var/lib/flocker-lab/_rootfs), no project bind mount; the first deploy installs the node agent',
  )
  .action(async (o: { nodes: string; name: string; subnet: string; poolSize: string; bare?: boolean }) => {
    const { state } = await labUp(o);
    process.stdout.write(usageText(state));
  });

program
  .command('down')
  .description('stop the nodes and remove everything the lab made')
  .option(...nameOpt)
  .action(async (o: { name: string }) => {
    await labDown(validateLabName(o.name));
  });

program
  .command('status')
  .description('nodes, addresses and the state of sshd/docker/zfs on each')
  .option(...nameOpt)
  .option('--json', 'machine-readable output')
  .action(async (o: { name: string; json?: boolean }) => {
    const s = await labStatus(validateLabName(o.name));
    process.stdout.write(o.json ? `${JSON.stringify(s, null, 2)}\n` : formatStatus(s));
    if (!s.up) process.exitCode = 1;
  });

program
  .command('ssh')
  .description('ssh into a node: flocker-lab ssh n1 [command...]')
  .option(...nameOpt)
  .argument('<node>')
  .argument('[command...]')
  .passThroughOptions()
  .action((node: string, cmd: string[], o: { name: string }) => {
    const st = readLabState(validateLabName(o.name));
    if (st === null) throw new LabError(`lab "${o.name}" is not up`);
    validateNodeName(node, st.nodes.length);
    const r = spawnSync('ssh', ['-F', st.sshConfig, node, ...cmd], { stdio: 'inherit' });
    process.exitCode = r.status ?? 1;
  });

program
  .command('restart')
  .description('orderly poweroff of a node and boot it again (same disk, address, pool)')
  .option(...nameOpt)
  .argument('<node>')
  .action(async (node: string, o: { name: string }) => {
    await restartNode(validateLabName(o.name), node);
  });

const fault = program
  .command('fault')
  .description('real faults for tests: cut/heal, power-off/power-on, slow/unslow, fill/unfill');
fault
  .command('cut')
  .description('cut NODE off the network (all of it), or only from PEER')
  .option(...nameOpt)
  .argument('<node>')
  .argument('[peer]')
  .action((node: string, peer: string | undefined, o: { name: string }) =>
    cutNetwork(validateLabName(o.name), node, peer),
  );
fault
  .command('heal')
  .description('undo cut (without PEER: every cut of NODE)')
  .option(...nameOpt)
  .argument('<node>')
  .argument('[peer]')
  .action((node: string, peer: string | undefined, o: { name: string }) =>
    healNetwork(validateLabName(o.name), node, peer),
  );
fault
  .command('power-off')
  .description('hard power-off: SIGKILL to everything in the node, no shutdown')
  .option(...nameOpt)
  .argument('<node>')
  .action((node: string, o: { name: string }) => powerOff(validateLabName(o.name), node));
fault
  .command('power-on')
  .description('boot a powered-off node (same disk, pool and address)')
  .option(...nameOpt)
  .argument('<node>')
  .action((node: string, o: { name: string }) => powerOn(validateLabName(o.name), node));
fault
  .command('slow')
  .description("limit the node's link rate (tc tbf)")
  .option(...nameOpt)
  .option('--rate <rate>', 'e.g. 80mbit', '80mbit')
  .argument('<node>')
  .action((node: string, o: { name: string; rate: string }) =>
    slowLink(validateLabName(o.name), node, o.rate),
  );
fault
  .command('unslow')
  .option(...nameOpt)
  .argument('<node>')
  .action((node: string, o: { name: string }) => unslowLink(validateLabName(o.name), node));
fault
  .command('fill')
  .description("take the pool's free space (a reservation), leaving --leave bytes")
  .option(...nameOpt)
  .option('--leave <size>', 'free space left, e.g. 10M', '0')
  .argument('<node>')
  .action(async (node: string, o: { name: string; leave: string }) => {
    const leave = o.leave === '0' ? 0 : parseSize(o.leave);
    if (leave === undefined)
      throw new LabError(`--leave ${o.leave}: expected a size like 10M`, 'E_LAB_USAGE');
    const r = await fillPool(validateLabName(o.name), node, leave);
    process.stdout.write(`${node}: reserved ${r.reserved} bytes of pool flocker\n`);
  });
fault
  .command('unfill')
  .option(...nameOpt)
  .argument('<node>')
  .action((node: string, o: { name: string }) => unfillPool(validateLabName(o.name), node));

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    process.exit(e.exitCode === 0 ? 0 : 2);
  }
  process.stderr.write(`flocker-lab: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(exitCodeFor(e));
}
