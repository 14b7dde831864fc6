// Effects: flocker-lab status (via nsenter into each node).
import { inNode, isNspawnOf, leaderPid, run } from './host.js';
import { readLabState } from './state.js';
import { POOL } from './render.js';
import type { LabStatus, NodeStatus } from './types.js';

async function q(leader: number, argv: string[]): Promise<string> {
  const r = await run(inNode(leader, argv), { timeoutMs: 10_000 });
  return r.stdout.trim().split('\n')[0] || (r.code === 0 ? 'ok' : 'error');
}

export async function labStatus(name: string): Promise<LabStatus> {
  const st = readLabState(name);
  if (st === null)
    return { name, exists: false, up: false, subnet: null, bridge: null, sshConfig: null, nodes: [] };
  const nodes: NodeStatus[] = await Promise.all(
    st.nodes.map(async (n) => {
      const running = isNspawnOf(n.nspawnPid, n.machine);
      const leader = running ? leaderPid(n.nspawnPid) : null;
      if (leader === null)
        return {
          name: n.name,
          address: n.address,
          running,
          nspawnPid: n.nspawnPid,
          leaderPid: null,
          system: 'down',
          sshd: '-',
          docker: '-',
          zfs: '-',
          pool: '-',
        };
      const [system, sshd, docker, zfs, pool] = await Promise.all([
        q(leader, ['systemctl', 'is-system-running']),
        q(leader, ['systemctl', 'is-active', 'ssh.service']),
        q(leader, ['systemctl', 'is-active', 'docker.service']),
        q(leader, ['systemctl', 'is-active', 'zfs-fuse.service']),
        q(leader, ['zpool', 'list', '-H', '-o', 'health', POOL]),
      ]);
      return {
        name: n.name,
        address: n.address,
        running,
        nspawnPid: n.nspawnPid,
        leaderPid: leader,
        system,
        sshd,
        docker,
        zfs,
        pool,
      };
    }),
  );
  const up = nodes.length > 0 && nodes.every((n) => n.running && n.system === 'running');
  return { name, exists: true, up, subnet: st.subnet, bridge: st.bridge, sshConfig: st.sshConfig, nodes };
}

export function formatStatus(s: LabStatus): string {
  if (!s.exists) return `lab "${s.name}": not up\n`;
  const head = `lab "${s.name}": ${s.up ? 'up' : 'NOT fully up'}  subnet ${s.subnet}  bridge ${s.bridge}  ssh -F ${s.sshConfig} n1\n`;
  const rows = [['NODE', 'ADDRESS', 'RUNNING', 'SYSTEM', 'SSHD', 'DOCKER', 'ZFS-FUSE', 'POOL']];
  for (const n of s.nodes)
    rows.push([
      n.name,
      n.address,
      n.running ? `pid ${n.nspawnPid}` : 'no',
      n.system,
      n.sshd,
      n.docker,
      n.zfs,
      n.pool,
    ]);
  const w = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return (
    head +
    rows
      .map((r) =>
        r
          .map((c, i) => c.padEnd(w[i] ?? 0))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') +
    '\n'
  );
}
