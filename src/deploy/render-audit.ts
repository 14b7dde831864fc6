// Views of the merged audit history: a plain table (one row per deploy, its changes under it),
// or one JSON document.
import type { AuditEntry, NodeAuditLog } from './audit-read.js';
import { table } from './table.js';

export function auditJson(entries: readonly AuditEntry[], logs: readonly NodeAuditLog[]): string {
  return `${JSON.stringify(
    {
      format: 'flocker-audit',
      version: 1,
      entries,
      nodes: logs.map((l) => ({
        node: l.node,
        lines: l.lines.length,
        unreadable: l.unreadable,
        ...(l.error ? { error: l.error } : {}),
      })),
    },
    null,
    2,
  )}\n`;
}

export function auditText(entries: readonly AuditEntry[], logs: readonly NodeAuditLog[]): string {
  const rows: string[][] = [];
  for (const e of entries) {
    const who = e.host ? `${e.user}@${e.host}` : e.user;
    const result = e.code ? `${e.result} (${e.code})` : e.result;
    const nodes = Object.keys(e.changes).sort();
    const what =
      nodes.length === 0 ? ['(no changes)'] : nodes.flatMap((n) => e.changes[n]!.map((c) => `${n}: ${c}`));
    rows.push([e.time, e.kind, who, result, what[0]!]);
    for (const w of what.slice(1)) rows.push(['', '', '', '', w]);
  }
  let out =
    entries.length === 0 ? '(no audit records)\n' : table(['TIME', 'WHAT', 'WHO', 'RESULT', 'CHANGES'], rows);
  for (const l of logs) {
    if (l.error) out += `${l.node}: not read: ${l.error.code} ${l.error.message.split('\n')[0] ?? ''}\n`;
    if (l.unreadable) out += `${l.node}: ${l.unreadable} line(s) of its audit log are unreadable\n`;
  }
  return out;
}
