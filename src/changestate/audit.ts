// The per-node audit log: one JSON line per event (schema: src/model/audit-schema.ts):
//   deploy       the deploy side's record at its end: who (user, host), config hash, what this
//                node changed (as data and as short text), result ok | failed (code) | interrupted
//   apply-start  this node began a phase of a deploy (written by the node itself)
//   apply-end    ... and ended it: ok | failed (code)
// A deploy whose session died (ssh closed, killed -9) leaves apply lines and no deploy line: the
// reader (`flocker audit`) shows it as interrupted once that deploy no longer holds the lock.
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { FlockerError } from '../errors.js';
import type { AuditLine } from '../model/audit.js';
import type { ChangestateInput } from '../model/changestate-input.js';
import type { LeafChange } from '../model/events.js';
import { shownChange } from '../plan/shown.js';
import { shortChange } from '../plan/change-summary.js';
import { isAuditLine } from '../validation/audit-line.js';

export const AUDIT_LOG = '/var/lib/flocker/audit.log';

/**
 * One change that was done: the plan's Change object. Records written by an older
 * flocker-deploy hold its English description instead; they are kept as they are.
 */
export type AuditChange = LeafChange | string;

/** What the deploy side sends (`flocker-changestate audit`, JSON on stdin). */
export interface AuditRecord {
  readonly deploy_id?: string;
  readonly user: string;
  readonly host?: string;
  readonly started_at: string;
  readonly config_hash: string;
  readonly node: string;
  readonly result: string;
  readonly code?: string;
  readonly message?: string;
  readonly changes: readonly AuditChange[];
}

const summaryOf = (changes: readonly AuditChange[]): string[] =>
  changes.map((c) => (typeof c === 'string' ? c : shortChange(c)));

/** what the log keeps of the changes: their data as shown, never an environment value */
const recorded = (changes: readonly AuditChange[]) =>
  changes.map((c) => (typeof c === 'string' ? c : shownChange(c)));

/** Pure: the line written for one deploy's record. */
export function auditLine(r: AuditRecord, finishedAt: Date): string {
  return lineText({
    time: finishedAt.toISOString(),
    event: 'deploy',
    ...(r.deploy_id ? { deploy_id: r.deploy_id } : {}),
    user: r.user,
    ...(r.host ? { host: r.host } : {}),
    started_at: r.started_at,
    config_hash: r.config_hash,
    node: r.node,
    result: r.result,
    ...(r.code ? { code: r.code } : {}),
    ...(r.message ? { message: r.message.slice(0, 4000) } : {}),
    summary: summaryOf(r.changes),
    changes: recorded(r.changes),
  });
}

/** Pure: the line an apply writes when it starts (`result` 'started') or ends. */
export function applyLine(
  input: Pick<ChangestateInput, 'phase' | 'self' | 'audit'>,
  at: Date,
  end?: { readonly result: 'ok' | 'failed'; readonly code?: string; readonly changes: readonly LeafChange[] },
): string {
  const a = input.audit;
  return lineText({
    time: at.toISOString(),
    event: end ? 'apply-end' : 'apply-start',
    ...(a.deploy_id ? { deploy_id: a.deploy_id } : {}),
    user: a.user,
    ...(a.host ? { host: a.host } : {}),
    started_at: a.started_at,
    config_hash: a.config_hash,
    node: input.self,
    phase: input.phase,
    result: end?.result ?? 'started',
    ...(end?.code ? { code: end.code } : {}),
    summary: end ? summaryOf(end.changes) : [],
    changes: recorded(end?.changes ?? []),
  });
}

/** Every line is checked against the schema before it is written: the reader can trust them. */
function lineText(line: AuditLine): string {
  if (!isAuditLine(line)) throw new FlockerError('an audit line does not match its schema', 'E_PROTOCOL');
  return `${JSON.stringify(line)}\n`;
}

function isAuditChange(x: unknown): x is AuditChange {
  return (
    typeof x === 'string' ||
    (typeof x === 'object' && x !== null && typeof (x as { kind?: unknown }).kind === 'string')
  );
}

/** Tolerant: missing fields become empty, changes that are neither a Change nor text are dropped. */
export function parseAuditRecord(text: string): AuditRecord {
  const v = JSON.parse(text) as { readonly [K in keyof AuditRecord]?: unknown };
  const str = (x: unknown): string => (typeof x === 'string' ? x : '');
  const opt = (k: 'deploy_id' | 'host' | 'code' | 'message') =>
    typeof v[k] === 'string' && v[k] !== '' ? { [k]: v[k] } : {};
  return {
    ...opt('deploy_id'),
    user: str(v.user),
    ...opt('host'),
    started_at: str(v.started_at),
    config_hash: str(v.config_hash),
    node: str(v.node),
    result: str(v.result),
    ...opt('code'),
    ...opt('message'),
    changes: Array.isArray(v.changes) ? v.changes.filter(isAuditChange) : [],
  };
}

export async function appendAuditText(line: string, path = AUDIT_LOG): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await appendFile(path, line, { mode: 0o600 });
}

export async function appendAudit(r: AuditRecord, path = AUDIT_LOG): Promise<void> {
  await appendAuditText(auditLine(r, new Date()), path);
}

/** Pure: the line a prune writes on a node (what it destroyed, or why it failed). */
export function pruneLine(
  a: {
    readonly deploy_id: string;
    readonly user: string;
    readonly host: string;
    readonly started_at: string;
  },
  node: string,
  at: Date,
  summary: readonly string[],
  failure?: { readonly code: string; readonly message: string },
): string {
  return lineText({
    time: at.toISOString(),
    event: 'prune',
    deploy_id: a.deploy_id,
    user: a.user,
    host: a.host,
    started_at: a.started_at,
    node,
    result: failure ? 'failed' : 'ok',
    ...(failure ? { code: failure.code, message: failure.message.slice(0, 4000) } : {}),
    summary: [...summary],
    changes: [],
  });
}
