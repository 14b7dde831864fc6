// Effects: preparing, booting, waiting for and stopping one node.
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, rmSync, mkdirSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { cgroupPids, makeNodeCgroups } from './cgroup.js';
import { LabError, inNode, isNspawnOf, leaderPid, must, pidAlive, run, sleep } from './host.js';
import { nodeNames } from './names.js';
import { launcherArgv, nspawnArgv } from './nspawn.js';
import { freshNodeDir, linkNodeFile, removeNodePath, writeNodeFile } from './nodefs.js';
import {
  IMPORT_UNIT,
  MASKED_UNITS,
  NODE_PROGRAMS,
  RW_UNIT,
  ZFS_UNIT,
  renderFstab,
  renderHostname,
  renderHosts,
  renderPoolImportUnit,
  renderRwUnit,
  renderSshdDropIn,
  renderWrapper,
  renderZfsFuseUnit,
  hostKeyOf,
  POOL_FILE,
  type RenderNode,
} from './render.js';
import type { LabNodeState, LabState } from './types.js';
import { sshKeygenArgv } from '../exec/keygen.js';

export const REQUIRED_UNITS: readonly string[] = ['ssh.service', 'docker.service', 'zfs-fuse.service'];

export function isMounted(path: string): boolean {
  const mi = readFileSync('/proc/self/mountinfo', 'utf8');
  return mi.split('\n').some((l) => l.split(' ')[4] === path);
}

/** Overlay root over the host's /, with every lab file written into it; returns the host key. */
export async function prepareNodeRoot(
  lab: string,
  index: number,
  all: readonly RenderNode[],
  bridgeAddress: string,
  labPubKey: string,
  poolSize: string,
  /** the overlay's lower layer; a rootfs other than / is a bare node: no wrappers */
  lower = '/',
): Promise<string> {
  const n = nodeNames(lab, index);
  const where = n.node;
  if (isMounted(n.root)) await must(where, 'unmount old root', ['umount', n.root]);
  rmSync(n.dir, { recursive: true, force: true });
  for (const d of [n.upper, n.work, n.root, n.dockerDir, n.containerdDir, n.zfsDir])
    mkdirSync(d, { recursive: true });
  await must(where, 'mount overlay root', [
    'mount',
    '-t',
    'overlay',
    n.machine,
    '-o',
    `lowerdir=${lower},upperdir=${n.upper},workdir=${n.work}`,
    n.root,
  ]);
  const R = n.root;
  writeNodeFile(R, '/etc/hostname', renderHostname(n.node));
  writeNodeFile(R, '/etc/machine-id', `${randomBytes(16).toString('hex')}\n`, 0o444);
  writeNodeFile(R, '/etc/hosts', renderHosts(n.node, all, bridgeAddress));
  writeNodeFile(R, '/etc/fstab', renderFstab(n.node));
  writeNodeFile(R, '/etc/resolv.conf', '');
  // a node must not import a pool listed in the host's cache (two daemons, one file)
  removeNodePath(R, '/etc/zfs/zpool.cache');
  for (const u of MASKED_UNITS) linkNodeFile(R, `/etc/systemd/system/${u}`, '/dev/null');
  writeNodeFile(R, `/etc/systemd/system/${RW_UNIT}`, renderRwUnit());
  writeNodeFile(R, `/etc/systemd/system/${ZFS_UNIT}`, renderZfsFuseUnit());
  writeNodeFile(R, `/etc/systemd/system/${IMPORT_UNIT}`, renderPoolImportUnit());
  linkNodeFile(R, `/etc/systemd/system/sysinit.target.wants/${RW_UNIT}`, `../${RW_UNIT}`);
  linkNodeFile(R, `/etc/systemd/system/sysinit.target.wants/${ZFS_UNIT}`, `../${ZFS_UNIT}`);
  linkNodeFile(R, `/etc/systemd/system/multi-user.target.wants/${IMPORT_UNIT}`, `../${IMPORT_UNIT}`);
  for (const u of ['ssh.service', 'docker.service', 'containerd.service'])
    if (existsSync(`${R}/lib/systemd/system/${u}`))
      linkNodeFile(R, `/etc/systemd/system/multi-user.target.wants/${u}`, `/lib/systemd/system/${u}`);
  if (existsSync(`${R}/lib/systemd/system/docker.socket`))
    linkNodeFile(
      R,
      '/etc/systemd/system/sockets.target.wants/docker.socket',
      '/lib/systemd/system/docker.socket',
    );
  // sshd: own host key, root by key only. No client key / known_hosts in the node: the
  // product sets node-to-node trust up itself.
  for (const f of [
    'ssh_host_ed25519_key',
    'ssh_host_ed25519_key.pub',
    'ssh_host_rsa_key',
    'ssh_host_rsa_key.pub',
    'ssh_host_ecdsa_key',
    'ssh_host_ecdsa_key.pub',
    'ssh_known_hosts',
  ])
    removeNodePath(R, `/etc/ssh/${f}`);
  await must(where, 'generate host key', sshKeygenArgv(`${R}/etc/ssh/ssh_host_ed25519_key`, n.node));
  writeNodeFile(R, '/etc/ssh/sshd_config.d/flocker-lab.conf', renderSshdDropIn());
  freshNodeDir(R, '/root/.ssh', 0o700);
  writeNodeFile(R, '/root/.ssh/authorized_keys', labPubKey, 0o600);
  // root's shell start-up files are the host's (e.g. a pyenv hook that makes every ssh slow
  // and can hang on its lock): nodes get Debian's plain ones
  writeNodeFile(R, '/root/.bashrc', '# flocker-lab node\n', 0o644);
  writeNodeFile(
    R,
    '/root/.profile',
    '# flocker-lab node\n[ -n "$BASH" ] && [ -f ~/.bashrc ] && . ~/.bashrc\n',
    0o644,
  );
  if (lower === '/') {
    // hide the host's /usr/local (its own tools) so nodes behave like plain Debian; the node
    // programs run from the project's bind mount until a deploy installs the node agent
    freshNodeDir(R, '/usr/local/bin');
    freshNodeDir(R, '/usr/local/sbin');
    freshNodeDir(R, '/usr/local/lib');
    for (const p of NODE_PROGRAMS) writeNodeFile(R, `/usr/local/bin/${p}`, renderWrapper(p), 0o755);
  }
  await must(where, 'create pool file', [
    'truncate',
    '-s',
    poolSize,
    `${n.zfsDir}/${POOL_FILE.split('/').pop() ?? ''}`,
  ]);
  return hostKeyOf(readFileSync(`${R}/etc/ssh/ssh_host_ed25519_key.pub`, 'utf8'));
}

export async function setupNodeNetwork(
  lab: string,
  index: number,
  bridge: string,
  address: string,
  prefix: number,
): Promise<void> {
  const n = nodeNames(lab, index);
  const w = n.node;
  await run(['ip', 'netns', 'del', n.netns]);
  await run(['ip', 'link', 'del', n.veth]);
  await must(w, 'create netns', ['ip', 'netns', 'add', n.netns]);
  await must(w, 'create veth', [
    'ip',
    'link',
    'add',
    n.veth,
    'type',
    'veth',
    'peer',
    'name',
    'eth0',
    'netns',
    n.netns,
  ]);
  await must(w, 'attach veth', ['ip', 'link', 'set', n.veth, 'master', bridge, 'up']);
  await must(w, 'netns lo up', ['ip', '-n', n.netns, 'link', 'set', 'lo', 'up']);
  await must(w, 'netns address', ['ip', '-n', n.netns, 'addr', 'add', `${address}/${prefix}`, 'dev', 'eth0']);
  await must(w, 'netns eth0 up', ['ip', '-n', n.netns, 'link', 'set', 'eth0', 'up']);
}

/** Start systemd-nspawn detached, inside the node's own cgroup subtree; returns its pid. */
export function bootNode(state: LabState, node: LabNodeState): number {
  const n = nodeNames(state.name, node.index);
  if (node.cgroups.length === 0) node.cgroups = makeNodeCgroups(n.cgroupLeaf);
  rmSync(`/run/systemd/nspawn/propagate/${n.machine}`, { recursive: true, force: true });
  const argv = launcherArgv(
    node.cgroups.map((d) => `${d}/cgroup.procs`),
    nspawnArgv({
      machine: n.machine,
      hostname: n.node,
      root: n.root,
      netns: n.netns,
      dockerDir: n.dockerDir,
      containerdDir: n.containerdDir,
      zfsDir: n.zfsDir,
      ...(state.bare ? {} : { projectRoot: state.projectRoot }),
    }),
  );
  const fd = openSync(n.consoleLog, 'a');
  try {
    const [cmd, ...args] = argv;
    const child = spawn(cmd ?? '/bin/sh', args, { detached: true, stdio: ['ignore', fd, fd] });
    child.on('error', () => undefined);
    child.unref();
    if (child.pid === undefined)
      throw new LabError(`${node.name}: boot failed: could not start systemd-nspawn`);
    node.nspawnPid = child.pid;
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

function consoleTail(lab: string, index: number): string {
  try {
    return readFileSync(nodeNames(lab, index).consoleLog, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '';
  }
}

/** Wait for the node's systemd to finish booting and its services to be active; returns PID 1's host pid. */
export async function waitNodeBooted(
  state: LabState,
  node: LabNodeState,
  timeoutMs = 120_000,
): Promise<number> {
  const t0 = Date.now();
  let leader: number | null = null;
  while (Date.now() - t0 < timeoutMs) {
    if (!pidAlive(node.nspawnPid))
      throw new LabError(
        `${node.name}: boot failed: systemd-nspawn exited\n${consoleTail(state.name, node.index)}`,
      );
    leader = leaderPid(node.nspawnPid);
    if (leader !== null && existsSync(`/proc/${leader}/root/run/systemd/private`)) break;
    leader = null;
    await sleep(50);
  }
  if (leader === null)
    throw new LabError(
      `${node.name}: boot failed: no systemd after ${timeoutMs / 1000}s\n${consoleTail(state.name, node.index)}`,
    );
  const left = Math.max(5_000, timeoutMs - (Date.now() - t0));
  const st = await run(inNode(leader, ['systemctl', 'is-system-running', '--wait']), { timeoutMs: left });
  const system = st.stdout.trim();
  if (system !== 'running') {
    const failed = await run(
      inNode(leader, ['systemctl', '--failed', '--no-legend', '--plain', '--no-pager']),
    );
    const bad: string[] = [];
    for (const u of REQUIRED_UNITS) {
      const a = await run(inNode(leader, ['systemctl', 'is-active', u]));
      if (a.stdout.trim() !== 'active') {
        const s = await run(inNode(leader, ['systemctl', 'status', '--no-pager', '-n', '15', u]));
        bad.push(`${u} is ${a.stdout.trim()}:\n${s.stdout}`);
      }
    }
    throw new LabError(
      `${node.name}: boot: system is "${system || 'unknown'}"; failed units:\n${failed.stdout.trim()}${bad.length ? `\n${bad.join('\n')}` : ''}`,
    );
  }
  return leader;
}

/** Orderly poweroff (SIGTERM to nspawn = SIGRTMIN+3 to the node's systemd), forced after timeoutMs. */
export async function stopNode(node: LabNodeState, machine: string, timeoutMs = 30_000): Promise<void> {
  const pid = node.nspawnPid;
  if (isNspawnOf(pid, machine)) {
    process.kill(pid, 'SIGTERM');
    const t0 = Date.now();
    while (pidAlive(pid) && Date.now() - t0 < timeoutMs) await sleep(50);
    if (isNspawnOf(pid, machine)) {
      process.kill(pid, 'SIGTERM'); // second TERM: nspawn kills the node at once
      const t1 = Date.now();
      while (pidAlive(pid) && Date.now() - t1 < 5_000) await sleep(50);
      if (isNspawnOf(pid, machine)) process.kill(pid, 'SIGKILL');
    }
  }
  // leftovers in the node's cgroups (should be none)
  await killNodeProcesses(node, 20);
  node.nspawnPid = 0;
}

/** SIGKILL every process in the node's cgroups (only pids inside cgroups we made) until none is left. */
export async function killNodeProcesses(node: LabNodeState, rounds: number): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    const pids = node.cgroups.flatMap((d) => cgroupPids(d));
    if (pids.length === 0 && !pidAlive(node.nspawnPid)) return;
    for (const p of pids) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    await sleep(100);
  }
}
