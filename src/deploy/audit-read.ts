// `flocker audit`: every node's audit log, merged into one history of deploys ordered by time.
// A deploy is the lines sharing its deploy_id: the deploy side's record on each node ('deploy'),
// the nodes' own apply start/end lines, a prune's record. A deploy with apply lines but no
// deploy record died before it could write one (ssh closed, killed -9): shown as interrupted
// once it no longer holds any node's deploy lock (until then: in progress). Chosen so: derived
// by the reader, nothing has to run on a node when a deploy dies.
import type { AuditLine } from '../model/audit.js';
import { parseAuditLine } from '../validation/audit-line.js';
import { connectEach, failure, isFailure, lockStatusOf } from './cluster-view.js';
import type { NodeFailure } from './cluster-view.js';
import { CHANGESTATE, runNodeProgram } from './node-programs.js';
import type { Connect } from './ssh-options.js';

export interface AuditEntry {
  readonly time: string;
  readonly kind: 'deploy' | 'prune';
  readonly deploy_id?: string;
  readonly user: string;
  readonly host?: string;
  readonly config_hash?: string;
  /** ok | failed | interrupted | in progress (older lines: their own text) */
  readonly result: string;
  readonly code?: string;
  readonly message?: string;
  /** per node, what changed there (short text) */
  readonly changes: Readonly<Record<string, readonly string[]>>;
  readonly nodes: readonly string[];
}

export interface NodeAuditLog {
  readonly node: string;
  readonly lines: readonly AuditLine[];
  /** lines that do not match the schema (damaged, or from an unknown version) */
  readonly unreadable: number;
  /** the deploy holding this node's lock now, if any */
  readonly lockHolder?: string;
  readonly error?: NodeFailure;
}

/** Parse one node's log text: valid lines, and a count of the rest. */
export function parseAuditLog(node: string, text: string): { lines: AuditLine[]; unreadable: number } {
  const lines: AuditLine[] = [];
  let unreadable = 0;
  text.split('\n').forEach((l, i) => {
    if (l.trim() === '') return;
    try {
      lines.push(parseAuditLine(l, `${node}: audit.log line ${i + 1}`));
    } catch {
      unreadable++;
    }
  });
  return { lines, unreadable };
}

const RANK: Readonly<Record<string, number>> = { ok: 0, 'in progress': 1, interrupted: 2, failed: 3 };
const rank = (r: string) => RANK[r] ?? (r.startsWith('failed') ? 3 : 0);

/** Pure: the merged history of every node's log, oldest first. */
export function mergeAudit(logs: readonly NodeAuditLog[]): AuditEntry[] {
  const groups = new Map<string, { node: string; line: AuditLine }[]>();
  const single: AuditEntry[] = [];
  for (const log of logs)
    for (const line of log.lines) {
      if (line.deploy_id === undefined) {
        // an older line: one deploy on one node
        single.push(entryOf([{ node: log.node, line }], undefined));
        continue;
      }
      const key = `${line.event === 'prune' ? 'prune' : 'deploy'}:${line.deploy_id}`;
      (groups.get(key) ?? groups.set(key, []).get(key)!).push({ node: log.node, line });
    }
  const holders = new Set(logs.flatMap((l) => (l.lockHolder ? [l.lockHolder] : [])));
  const merged = [...groups.values()].map((g) => entryOf(g, holders));
  return [...merged, ...single].sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
}

function entryOf(
  group: readonly { node: string; line: AuditLine }[],
  holders: Set<string> | undefined,
): AuditEntry {
  const first = group[0]!.line;
  const records = group.filter(
    (g) => g.line.event === undefined || g.line.event === 'deploy' || g.line.event === 'prune',
  );
  const applies = group.filter((g) => g.line.event === 'apply-end' || g.line.event === 'apply-start');
  let result: string;
  let failedLine: AuditLine | undefined;
  if (records.length) {
    const worst = [...records].sort((a, b) => rank(b.line.result) - rank(a.line.result))[0]!.line;
    result = worst.result;
    if (rank(worst.result) >= 2) failedLine = worst;
  } else {
    result = first.deploy_id !== undefined && holders?.has(first.deploy_id) ? 'in progress' : 'interrupted';
    failedLine = applies.find((a) => a.line.result === 'failed')?.line;
  }
  const changes: Record<string, string[]> = {};
  const source = records.length ? records : applies.filter((a) => a.line.event === 'apply-end');
  for (const { node, line } of source) {
    const text = line.summary ?? line.changes.filter((c): c is string => typeof c === 'string');
    if (text.length) changes[node] = [...(changes[node] ?? []), ...text];
  }
  const times = group.map((g) => g.line.started_at || g.line.time).sort();
  return {
    time: times[0] ?? first.time,
    kind: first.event === 'prune' ? 'prune' : 'deploy',
    ...(first.deploy_id !== undefined ? { deploy_id: first.deploy_id } : {}),
    user: first.user,
    ...(first.host !== undefined ? { host: first.host } : {}),
    ...(first.config_hash ? { config_hash: first.config_hash } : {}),
    result,
    ...(failedLine?.code ? { code: failedLine.code } : {}),
    ...(failedLine?.message ? { message: failedLine.message } : {}),
    changes,
    nodes: [...new Set(group.map((g) => g.node))].sort(),
  };
}

/** Read every node's log and lock holder (each on its own: a node that fails is reported). */
export async function readAudit(connect: Connect, nodes: readonly string[]): Promise<NodeAuditLog[]> {
  const conns = await connectEach(connect, nodes);
  try {
    return await Promise.all(
      nodes.map(async (node): Promise<NodeAuditLog> => {
        const c = conns.get(node)!;
        if (isFailure(c)) return { node, lines: [], unreadable: 0, error: c };
        try {
          const [r, lock] = await Promise.all([
            runNodeProgram(c, [CHANGESTATE, 'audit-log'], { what: 'reading the audit log failed' }),
            lockStatusOf(c),
          ]);
          return {
            node,
            ...parseAuditLog(node, r.stdout),
            ...(lock.holder ? { lockHolder: lock.holder.deploy_id } : {}),
          };
        } catch (e) {
          return { node, lines: [], unreadable: 0, error: failure(e) };
        }
      }),
    );
  } finally {
    for (const c of conns.values()) if (!isFailure(c)) c.close();
  }
}
