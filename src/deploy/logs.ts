// `flocker logs`: journald of an app's unit, read on the node that runs it (found from the
// nodes' reported state), optionally followed until the caller aborts (Ctrl-C).
import { FlockerError, UsageError } from '../errors.js';
import { unitName } from '../docker/names.js';
import { connectEach, failure, isFailure } from './cluster-view.js';
import type { NodeFailure } from './cluster-view.js';
import { gatherState } from './node-programs.js';
import type { Connect } from './ssh-options.js';
import { NodeCommandError } from '../errors.js';

const ABSOLUTE = /^\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?)?$/;
const RELATIVE = /^(\d{1,6})(s|m|min|h|d)$/;

/**
 * --since as journalctl takes it: an absolute time (2026-12-01, "2026-12-01 10:00[:00]"),
 * today / yesterday, or an age (30s, 10m, 2h, 1d). Anything else: a usage error (exit 2).
 */
export function parseSince(s: string): string {
  const t = s.trim();
  if (t === 'today' || t === 'yesterday') return t;
  if (ABSOLUTE.test(t)) {
    const iso = t.replace('T', ' ');
    if (Number.isNaN(Date.parse(iso.length === 10 ? iso : iso.replace(' ', 'T')))) throw badSince(s);
    return iso;
  }
  const m = RELATIVE.exec(t);
  if (m) return `-${m[1]}${m[2] === 'm' ? 'min' : m[2]}`;
  throw badSince(s);
}

const badSince = (s: string) =>
  new UsageError(
    `--since ${JSON.stringify(s)}: expected a time (2026-12-01 or "2026-12-01 10:00:00"), today, yesterday, or an age (30s, 10m, 2h, 1d)`,
  );

export interface LogsOptions {
  readonly app: string;
  readonly follow: boolean;
  readonly lines?: number;
  readonly since?: string;
  /** each log line as it arrives */
  readonly onLine: (line: string) => void;
  /** the node chosen (and whether the app runs there), before the first line */
  readonly onNode?: (node: string, running: boolean) => void;
  /** ends a follow (Ctrl-C) */
  readonly signal?: AbortSignal;
}

/** journalctl's argv for the app's unit. */
export function journalArgv(o: Pick<LogsOptions, 'app' | 'follow' | 'lines' | 'since'>): string[] {
  return [
    'journalctl',
    '--no-pager',
    '--quiet',
    '-o',
    'short-iso',
    '-u',
    unitName(o.app),
    ...(o.since !== undefined ? ['--since', o.since] : []),
    ...(o.lines !== undefined ? ['-n', String(o.lines)] : o.since === undefined ? ['-n', '100'] : []),
    ...(o.follow ? ['-f'] : []),
  ];
}

/**
 * Find the node that runs `app` (or, when it runs nowhere, the node whose unit failed or
 * stopped) and print its journal. Unreachable nodes are skipped unless no node has the app.
 */
export async function showLogs(connect: Connect, nodes: readonly string[], o: LogsOptions): Promise<void> {
  const conns = await connectEach(connect, nodes);
  try {
    const found: { node: string; running: boolean }[] = [];
    const failed: [string, NodeFailure][] = [];
    await Promise.all(
      nodes.map(async (node) => {
        const c = conns.get(node)!;
        if (isFailure(c)) return void failed.push([node, c]);
        try {
          const a = (await gatherState(c)).applications[o.app];
          if (a) found.push({ node, running: a.running });
        } catch (e) {
          failed.push([node, failure(e)]);
        }
      }),
    );
    const pick = found.find((f) => f.running) ?? found.sort((a, b) => (a.node < b.node ? -1 : 1))[0];
    if (!pick) {
      const unknown = failed.length
        ? ` (not reachable: ${failed.map(([n, f]) => `${n}: ${f.message.split('\n')[0] ?? ''}`).join('; ')})`
        : '';
      throw new FlockerError(
        `application ${o.app} is not running on any node of the deployment, and no node has its unit${unknown}`,
        'E_APP_NOT_FOUND',
      );
    }
    o.onNode?.(pick.node, pick.running);
    const conn = conns.get(pick.node)!;
    if (isFailure(conn)) throw new Error('unreachable'); // not possible: it answered above
    const aborted = new Promise<'aborted'>((resolve) => {
      if (o.signal?.aborted) resolve('aborted');
      o.signal?.addEventListener('abort', () => resolve('aborted'), { once: true });
    });
    const argv = journalArgv(o);
    const run = conn.run(argv, { onStdoutLine: o.onLine });
    const r = await Promise.race([run, aborted]);
    if (r === 'aborted') return;
    if (r.code !== 0)
      throw new NodeCommandError(pick.node, argv, r.code, r.stderr, 'reading the journal failed');
  } finally {
    for (const c of conns.values()) if (!isFailure(c)) c.close();
  }
}
