// Effects: real faults for tests — cut a node's network (all of it, or to one peer) and heal it,
// power a node off hard (SIGKILL to everything in it, as a power cut) and boot it again, slow its
// link (tbf: this kernel has no netem), fill its pool. Each undoes cleanly; none touches anything
// but the lab's own veths, netns routes, cgroups and a dataset `flocker/lab-fill`.
import {
  LabError,
  inNode,
  isNspawnOf,
  leaderPid,
  must,
  pidAlive,
  run,
  step,
  stderrLog,
  type Log,
} from './host.js';
import { killNodeProcesses } from './node.js';
import { bootAgain } from './restart.js';
import { validateNodeName } from './options.js';
import { POOL } from './render.js';
import { readLabState, writeLabState } from './state.js';
import type { LabNodeState, LabState } from './types.js';

/** a dataset beside (never under) flocker's volumes that reserves the space it takes */
export const FILL_DATASET = `${POOL}/lab-fill`;

function lab(name: string): LabState {
  const st = readLabState(name);
  if (st === null) throw new LabError(`lab "${name}" is not up`, 'E_LAB_DOWN');
  return st;
}

function nodeOf(st: LabState, node: string): LabNodeState {
  const idx = validateNodeName(node, st.nodes.length);
  const n = st.nodes.find((x) => x.index === idx);
  if (n === undefined) throw new LabError(`lab "${st.name}" has no node ${node}`);
  return n;
}

function leaderOf(n: LabNodeState): number {
  const leader = leaderPid(n.nspawnPid);
  if (leader === null) throw new LabError(`${n.name} is powered off`);
  return leader;
}

/** argv of the blackhole route on `from` towards `to` (pure) */
export function blackholeArgv(op: 'add' | 'del', netns: string, address: string): string[] {
  return ['ip', '-n', netns, 'route', op, 'blackhole', `${address}/32`];
}

/**
 * Cut `node` off: from everything (host-side veth down), or only from `peer` (blackhole routes
 * in both nodes' namespaces). Packets are dropped, not refused: connections stall as on a real cut.
 */
export async function cutNetwork(name: string, node: string, peer?: string): Promise<void> {
  const st = lab(name);
  const a = nodeOf(st, node);
  if (peer === undefined) {
    await must(node, 'cut link', ['ip', 'link', 'set', a.veth, 'down']);
    return;
  }
  const b = nodeOf(st, peer);
  for (const [x, y] of [
    [a, b],
    [b, a],
  ] as const) {
    const r = await run(blackholeArgv('add', x.netns, y.address));
    if (r.code !== 0 && !/File exists/.test(r.stderr))
      throw new LabError(`${x.name}: cut to ${y.name} failed: ${r.stderr.trim()}`);
  }
}

/** Undo cutNetwork (idempotent). */
export async function healNetwork(name: string, node: string, peer?: string): Promise<void> {
  const st = lab(name);
  const a = nodeOf(st, node);
  if (peer === undefined) {
    await must(node, 'heal link', ['ip', 'link', 'set', a.veth, 'up']);
    // every pairwise cut of this node goes too: "heal n1" means n1 is reachable again
    for (const b of st.nodes) {
      if (b.index === a.index) continue;
      await run(blackholeArgv('del', a.netns, b.address));
      await run(blackholeArgv('del', b.netns, a.address));
    }
    return;
  }
  const b = nodeOf(st, peer);
  await run(blackholeArgv('del', a.netns, b.address));
  await run(blackholeArgv('del', b.netns, a.address));
}

/** argv of the rate limit on a host-side veth (pure); rate as tc takes it, e.g. 80mbit */
export function slowArgv(veth: string, rate: string): string[] {
  if (!/^[1-9][0-9]*(bit|kbit|mbit|gbit)$/.test(rate))
    throw new LabError(`rate ${JSON.stringify(rate)}: expected e.g. 80mbit`, 'E_LAB_USAGE');
  return [
    'tc',
    'qdisc',
    'replace',
    'dev',
    veth,
    'root',
    'tbf',
    'rate',
    rate,
    'burst',
    '64kb',
    'latency',
    '500ms',
  ];
}

export async function slowLink(name: string, node: string, rate: string): Promise<void> {
  const n = nodeOf(lab(name), node);
  await must(node, 'slow link', slowArgv(n.veth, rate));
}

export async function unslowLink(name: string, node: string): Promise<void> {
  const n = nodeOf(lab(name), node);
  const r = await run(['tc', 'qdisc', 'del', 'dev', n.veth, 'root']);
  if (r.code !== 0 && !/No such file|Cannot delete qdisc with handle of zero/.test(r.stderr))
    throw new LabError(`${node}: unslow failed: ${r.stderr.trim()}`);
}

/**
 * Power cut: SIGKILL to systemd-nspawn and every process in the node's cgroups, no shutdown of
 * anything (zfs-fuse, dockerd and sshd die mid-write). The node keeps its disk, pool file and
 * address for powerOn.
 */
export async function powerOff(name: string, node: string, log: Log = stderrLog): Promise<void> {
  const st = lab(name);
  const n = nodeOf(st, node);
  await step(log, `${node}: power off (hard)`, async () => {
    if (isNspawnOf(n.nspawnPid, n.machine)) process.kill(n.nspawnPid, 'SIGKILL');
    await killNodeProcesses(n, 50);
    n.nspawnPid = 0;
    writeLabState(st);
  });
}

/** Boot a powered-off node again (same root, disk, pool and address); waits for ssh. */
export async function powerOn(name: string, node: string, log: Log = stderrLog): Promise<void> {
  const st = lab(name);
  const n = nodeOf(st, node);
  if (pidAlive(n.nspawnPid)) throw new LabError(`${node} is already powered on`, 'E_LAB_USAGE');
  await bootAgain(st, n, log);
}

/** Take all but `leaveBytes` of the pool's free space (a reservation: instant, no writes). */
export async function fillPool(name: string, node: string, leaveBytes = 0): Promise<{ reserved: number }> {
  const n = nodeOf(lab(name), node);
  const leader = leaderOf(n);
  const avail = await must(
    node,
    'pool space',
    inNode(leader, ['zfs', 'get', '-Hp', '-o', 'value', 'available', POOL]),
  );
  const free = Number(avail.stdout.trim());
  // a dataset's own metadata takes a little; keep 1 MiB of slack below what is free
  const reserved = Math.max(0, free - leaveBytes - (1 << 20));
  await must(
    node,
    'fill pool',
    inNode(leader, ['zfs', 'create', '-o', `reservation=${reserved}`, '-o', 'mountpoint=none', FILL_DATASET]),
  );
  return { reserved };
}

export async function unfillPool(name: string, node: string): Promise<void> {
  const n = nodeOf(lab(name), node);
  const r = await run(inNode(leaderOf(n), ['zfs', 'destroy', FILL_DATASET]));
  if (r.code !== 0 && !/does not exist/.test(r.stderr))
    throw new LabError(`${node}: unfill failed: ${r.stderr.trim()}`);
}
