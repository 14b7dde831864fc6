// Effects: flocker-lab down: removes every process, mount, namespace, link, bridge, firewall
// rule, cgroup and file the lab made. Idempotent; works from state.json or, without it, names.
import { existsSync, rmSync } from 'node:fs';
import { cgroupDirs, parseProcCgroup } from './nspawn.js';
import { removeCgroup } from './cgroup.js';
import { isNspawnOf, listDir, must, run, secs, stderrLog, type Log } from './host.js';
import { LAB_ROOT, labNames, nodeNames, parseNodeName } from './names.js';
import { isMounted, stopNode } from './node.js';
import { readLabState } from './state.js';
import type { LabNodeState, LabState } from './types.js';
import { readFileSync } from 'node:fs';

export const IPTABLES: readonly string[] = ['iptables-nft', 'iptables-legacy'];

export function forwardRuleSpec(bridge: string, comment: string): string[] {
  return ['-i', bridge, '-o', bridge, '-m', 'comment', '--comment', comment, '-j', 'ACCEPT'];
}

function safeState(name: string): LabState | null {
  try {
    return readLabState(name);
  } catch {
    return null;
  }
}

/** true if any node of the lab has a live systemd-nspawn */
export function labIsUp(name: string): boolean {
  const st = safeState(name);
  return st !== null && st.nodes.some((n) => isNspawnOf(n.nspawnPid, n.machine));
}

/** nodes from state.json, or reconstructed from the node dirs when the state is gone/partial */
function knownNodes(name: string, st: LabState | null): LabNodeState[] {
  const nodes = new Map<number, LabNodeState>();
  for (const n of st?.nodes ?? []) nodes.set(n.index, n);
  const lines = parseProcCgroup(readFileSync('/proc/self/cgroup', 'utf8'));
  const unified = existsSync('/sys/fs/cgroup/cgroup.controllers')
    ? '/sys/fs/cgroup'
    : '/sys/fs/cgroup/unified';
  const indexes = new Set<number>(nodes.keys());
  for (const d of listDir(`${labNames(name).stateDir}/nodes`)) {
    const i = parseNodeName(d);
    if (i !== undefined) indexes.add(i);
  }
  for (let i = 1; i <= 5; i++) if (existsSync(`/run/netns/${nodeNames(name, i).netns}`)) indexes.add(i);
  for (const i of indexes) {
    const n = nodeNames(name, i);
    const guessCg = cgroupDirs(lines, n.cgroupLeaf, unified).map((c) => c.dir);
    const known = nodes.get(i);
    if (known) {
      known.cgroups = [...new Set([...known.cgroups, ...guessCg])];
      continue;
    }
    nodes.set(i, {
      name: n.node,
      index: i,
      address: '',
      machine: n.machine,
      netns: n.netns,
      veth: n.veth,
      hostKey: '',
      dir: n.dir,
      root: n.root,
      nspawnPid: 0,
      cgroups: guessCg,
    });
  }
  return [...nodes.values()];
}

export async function labDown(name: string, log: Log = stderrLog): Promise<{ seconds: number }> {
  const t0 = performance.now();
  const names = labNames(name);
  const st = safeState(name);
  const nodes = knownNodes(name, st);
  await Promise.all(
    nodes.map(async (node) => {
      const tn = performance.now();
      const wasUp = isNspawnOf(node.nspawnPid, node.machine);
      await stopNode(node, node.machine);
      if (wasUp) log(`[flocker-lab] ${node.name}: poweroff ... ok (${secs(tn)})`);
    }),
  );
  for (const node of nodes) {
    if (isMounted(node.root)) {
      const r = await run(['umount', node.root]);
      if (r.code !== 0) await run(['umount', '-l', node.root]);
    }
    await run(['ip', 'netns', 'del', node.netns]);
    await run(['ip', 'link', 'del', node.veth]);
    for (const d of node.cgroups) removeCgroup(d);
    rmSync(`/run/systemd/nspawn/propagate/${node.machine}`, { recursive: true, force: true });
  }
  if ((await run(['ip', 'link', 'show', names.bridge])).code === 0)
    await must('host', 'delete bridge', ['ip', 'link', 'del', names.bridge]);
  for (const ipt of IPTABLES) {
    for (let i = 0; i < 10; i++) {
      const r = await run([ipt, '-D', 'FORWARD', ...forwardRuleSpec(names.bridge, names.comment)]);
      if (r.code !== 0) break;
    }
  }
  if (existsSync(names.stateDir)) {
    // never cross into a mount (a root still mounted would be a bug: say so)
    for (const node of nodes)
      if (isMounted(node.root)) log(`[flocker-lab] ${node.name}: WARNING root still mounted at ${node.root}`);
    await must('host', 'remove state dir', ['rm', '-rf', '--one-file-system', names.stateDir]);
  }
  // `ip netns add` made /run/netns a mount point; drop it when no lab is left using it
  if (
    listDir(LAB_ROOT).filter((d) => !d.startsWith('.')).length === 0 &&
    listDir('/run/netns').length === 0 &&
    isMounted('/run/netns')
  )
    await run(['umount', '/run/netns']);
  const seconds = (performance.now() - t0) / 1000;
  log(`[flocker-lab] lab "${name}" down in ${seconds.toFixed(2)}s`);
  return { seconds };
}
