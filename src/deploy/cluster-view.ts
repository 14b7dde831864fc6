// Reading the cluster without changing it (status, logs, audit, lock): one connection per node,
// each node on its own — an unreachable node is a row with its error, not the end of the view.
import { errorData } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import type { NodeState } from '../model/state.js';
import type { NodeConnection } from '../ssh/connection.js';
import type { LockHolder } from '../validation/lock-holder.js';
import { parseLockHolder } from '../validation/lock-holder.js';
import { CHANGESTATE, gatherState, runNodeProgram } from './node-programs.js';
import type { Connect } from './ssh-options.js';

export interface NodeFailure {
  readonly code: ErrorCode;
  readonly message: string;
}

/** Connect to every node separately: each one's connection or why not. */
export async function connectEach(
  connect: Connect,
  nodes: readonly string[],
): Promise<Map<string, NodeConnection | NodeFailure>> {
  // the ssh config is judged for every node first: a refused option is the user's (exit 2)
  connect.check?.(nodes);
  const settled = await Promise.allSettled(nodes.map((n) => connect([n])));
  const out = new Map<string, NodeConnection | NodeFailure>();
  settled.forEach((r, i) => {
    const node = nodes[i]!;
    const conn = r.status === 'fulfilled' ? r.value.get(node) : undefined;
    out.set(node, conn ?? failure(r.status === 'rejected' ? r.reason : new Error('not connected')));
  });
  return out;
}

export function failure(e: unknown): NodeFailure {
  const { code, message } = errorData(e, 'E_NODE');
  return { code, message };
}

export const isFailure = (x: unknown): x is NodeFailure =>
  typeof x === 'object' && x !== null && 'code' in x && 'message' in x && !('run' in x);

export interface LockStatus {
  readonly held: boolean;
  readonly holder: LockHolder | null;
}

/** `flocker-changestate lock-status` on one node. */
export async function lockStatusOf(conn: NodeConnection): Promise<LockStatus> {
  const r = await runNodeProgram(conn, [CHANGESTATE, 'lock-status'], {
    what: 'reading the deploy lock failed',
  });
  const v = JSON.parse(r.stdout) as { held?: unknown; holder?: unknown };
  const holder =
    v.holder && typeof v.holder === 'object'
      ? parseLockHolder(JSON.stringify(v.holder), `${conn.node}: lock holder`)
      : null;
  return { held: v.held === true, holder };
}

/** One node as the read-only commands see it. */
export interface NodeView {
  readonly node: string;
  readonly address?: string;
  readonly state?: NodeState;
  readonly lock?: LockStatus;
  /** the node could not be reached or did not answer */
  readonly error?: NodeFailure;
}

/** Every node's state and lock, in parallel; a failing node is a view with its error. */
export async function viewCluster(connect: Connect, nodes: readonly string[]): Promise<NodeView[]> {
  const conns = await connectEach(connect, nodes);
  try {
    return await Promise.all(
      nodes.map(async (node): Promise<NodeView> => {
        const c = conns.get(node)!;
        if (isFailure(c)) return { node, error: c };
        try {
          const [state, lock] = await Promise.all([gatherState(c), lockStatusOf(c)]);
          return { node, address: c.address, state, lock };
        } catch (e) {
          return { node, address: c.address, error: failure(e) };
        }
      }),
    );
  } finally {
    for (const c of conns.values()) if (!isFailure(c)) c.close();
  }
}
