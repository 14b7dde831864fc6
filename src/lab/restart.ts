// Effects: flocker-lab restart NODE: orderly poweroff and boot again from the same upper dir.
import { LabError, inNode, must, secs, step, stderrLog, type Log } from './host.js';
import { bootNode, stopNode, waitNodeBooted } from './node.js';
import { removeNodePath } from './nodefs.js';
import { validateNodeName } from './options.js';
import { POOL } from './render.js';
import { readLabState, writeLabState } from './state.js';
import type { LabNodeState, LabState } from './types.js';
import { sshCheck } from './up.js';

export async function restartNode(
  name: string,
  node: string,
  log: Log = stderrLog,
): Promise<{ seconds: number }> {
  const t0 = performance.now();
  const st = readLabState(name);
  if (st === null) throw new LabError(`lab "${name}" is not up`, 'E_LAB_DOWN');
  const idx = validateNodeName(node, st.nodes.length);
  const n = st.nodes.find((x) => x.index === idx);
  if (n === undefined) throw new LabError(`lab "${name}" has no node ${node}`);
  await step(log, `${node}: poweroff`, () => stopNode(n, n.machine));
  writeLabState(st);
  await bootAgain(st, n, log);
  log(`[flocker-lab] ${node} restarted in ${secs(t0)}`);
  return { seconds: (performance.now() - t0) / 1000 };
}

/** Boot a stopped node from its own root, disk, pool and address; waits for its pool and ssh. */
export async function bootAgain(st: LabState, n: LabNodeState, log: Log): Promise<void> {
  // the pool comes back through flab-zpool-import.service, not through a cache
  removeNodePath(n.root, '/etc/zfs/zpool.cache');
  bootNode(st, n);
  writeLabState(st);
  const leader = await step(log, `${n.name}: boot`, () => waitNodeBooted(st, n));
  await step(log, `${n.name}: pool ${POOL} imported`, () =>
    must(n.name, 'zpool list', inNode(leader, ['zpool', 'list', '-H', '-o', 'health', POOL])),
  );
  await step(log, `${n.name}: ssh (strict host key)`, () => sshCheck(st, n.name));
}
