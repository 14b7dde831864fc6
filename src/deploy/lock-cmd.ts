// `flocker lock status|release`: each node's deploy lock holder, or ending it
// (flocker-changestate lock-status / lock-break on every node, each on its own).
import type { LockHolder } from '../validation/lock-holder.js';
import { connectEach, failure, isFailure, lockStatusOf } from './cluster-view.js';
import type { NodeFailure } from './cluster-view.js';
import { CHANGESTATE, runNodeProgram } from './node-programs.js';
import type { Connect } from './ssh-options.js';
import { table } from './table.js';

export interface NodeLockRow {
  readonly node: string;
  readonly held?: boolean;
  readonly holder?: LockHolder | null;
  /** release: the holder process was ended */
  readonly ended?: boolean;
  readonly error?: NodeFailure;
}

export async function lockCommand(
  connect: Connect,
  nodes: readonly string[],
  action: 'status' | 'release',
): Promise<NodeLockRow[]> {
  const conns = await connectEach(connect, nodes);
  try {
    return await Promise.all(
      nodes.map(async (node): Promise<NodeLockRow> => {
        const c = conns.get(node)!;
        if (isFailure(c)) return { node, error: c };
        try {
          if (action === 'status') return { node, ...(await lockStatusOf(c)) };
          const r = await runNodeProgram(c, [CHANGESTATE, 'lock-break'], {
            what: 'breaking the deploy lock failed',
          });
          const v = JSON.parse(r.stdout) as {
            was_held?: boolean;
            holder?: LockHolder | null;
            ended?: boolean;
          };
          return { node, held: v.was_held === true, holder: v.holder ?? null, ended: v.ended === true };
        } catch (e) {
          return { node, error: failure(e) };
        }
      }),
    );
  } finally {
    for (const c of conns.values()) if (!isFailure(c)) c.close();
  }
}

export function lockText(rows: readonly NodeLockRow[], action: 'status' | 'release'): string {
  return table(
    ['NODE', 'LOCK', 'HOLDER', ...(action === 'release' ? ['RELEASED'] : [])],
    rows.map((r) => [
      r.node,
      r.error ? `unreachable: ${r.error.code}` : r.held ? 'held' : 'free',
      r.error
        ? (r.error.message.split('\n')[0] ?? '')
        : r.holder
          ? `${r.holder.user} on ${r.holder.from} (pid ${r.holder.deploy_pid}), since ${r.holder.started_at}, deploy ${r.holder.deploy_id}`
          : '-',
      ...(action === 'release' ? [r.error ? '-' : r.ended ? 'yes' : r.held ? 'no' : '-'] : []),
    ]),
  );
}

export const lockJson = (rows: readonly NodeLockRow[]): string =>
  `${JSON.stringify({ format: 'flocker-lock', version: 1, nodes: rows }, null, 2)}\n`;
