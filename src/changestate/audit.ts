// The per-node audit log: one JSON line per deploy (who, when, config hash, what changed).
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { LeafChange } from '../model/events.js';

export const AUDIT_LOG = '/var/lib/flocker/audit.log';

/**
 * One change that was done: the plan's Change object. Records written by an older
 * flocker-deploy hold its English description instead; they are kept as they are.
 */
export type AuditChange = LeafChange | string;

export interface AuditRecord {
  readonly user: string;
  readonly started_at: string;
  readonly config_hash: string;
  readonly node: string;
  readonly result: string;
  readonly changes: readonly AuditChange[];
}

/** Pure: the line written for one deploy. */
export function auditLine(r: AuditRecord, finishedAt: Date): string {
  return `${JSON.stringify({
    time: finishedAt.toISOString(),
    user: r.user,
    started_at: r.started_at,
    config_hash: r.config_hash,
    node: r.node,
    result: r.result,
    changes: r.changes,
  })}\n`;
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
  return {
    user: str(v.user),
    started_at: str(v.started_at),
    config_hash: str(v.config_hash),
    node: str(v.node),
    result: str(v.result),
    changes: Array.isArray(v.changes) ? v.changes.filter(isAuditChange) : [],
  };
}

export async function appendAudit(r: AuditRecord, path = AUDIT_LOG): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await appendFile(path, auditLine(r, new Date()), { mode: 0o600 });
}
