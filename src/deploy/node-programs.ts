// The wire to the node-side programs: their names, running one over a node connection, reading
// flocker-reportstate's state and flocker-changestate's NDJSON event lines.
import { NodeCommandError, NodeError } from '../errors.js';
import type { NodeEvent } from '../model/events.js';
import type { NodeState } from '../model/state.js';
import type { NodeConnection } from '../ssh/connection.js';
import { parseNodeState } from './node-state.js';

export const REPORTSTATE = 'flocker-reportstate';
export const CHANGESTATE = 'flocker-changestate';

/** Run a node-side program; a missing program gets an error saying how to install it. */
export async function runNodeProgram(
  conn: NodeConnection,
  argv: readonly string[],
  opts: {
    stdin?: string | Promise<string>;
    stdinOpenUntil?: Promise<void>;
    onStdoutLine?: (line: string) => void;
    what: string;
  },
) {
  const r = await conn.run(argv, opts);
  if (r.code === 127) {
    throw new NodeError(
      conn.node,
      `${argv[0]} is not installed on this node (command not found): install flocker there ` +
        `(npm install -g flocker, Node.js 20 or newer) so that ${argv[0]} is on root's PATH`,
      'E_NODE_PROGRAM_MISSING',
    );
  }
  if (r.code !== 0) throw new NodeCommandError(conn.node, argv, r.code, r.stderr, opts.what);
  return r;
}

export async function gatherState(conn: NodeConnection): Promise<NodeState> {
  const r = await runNodeProgram(conn, [REPORTSTATE], { what: 'reporting state failed' });
  return parseNodeState(conn.node, r.stdout);
}

const NODE_EVENT_TYPES: ReadonlySet<string> = new Set([
  'change-start',
  'change-progress',
  'change-done',
  'change-failed',
]);

/**
 * One line of flocker-changestate's stdout as an event; anything else (not JSON, another
 * shape) is ignored: stderr carries the diagnostics and the exit code the outcome.
 */
export function parseNodeEvent(line: string): NodeEvent | undefined {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return undefined;
  }
  const e = v as { type?: unknown; change?: { kind?: unknown } | null } | null;
  if (!e || typeof e !== 'object' || typeof e.type !== 'string' || !NODE_EVENT_TYPES.has(e.type))
    return undefined;
  if (typeof e.change !== 'object' || e.change === null || typeof e.change.kind !== 'string')
    return undefined;
  if (e.type === 'change-progress') {
    const p = v as { bytes?: unknown; total?: unknown; ms?: unknown };
    const count = (x: unknown) => typeof x === 'number' && Number.isFinite(x) && x >= 0;
    if (!count(p.bytes) || !count(p.ms) || (p.total !== undefined && !count(p.total))) return undefined;
  }
  return v as NodeEvent;
}
