// A config difference (config-diff.ts) as people read it: "image: nginx:1.25 → nginx:1.27",
// "env DB_PASSWORD: changed". Fields known here get a compact form; any other field (one added
// to the model later) is shown as JSON, so nothing needs adding here for it to be explained.
// Secret fields never carry values (config-diff.ts drops them), so none can be printed. Pure.
import type { FieldChange, JsonValue } from '../model/changes.js';
import { formatBytes } from './describe.js'; // (a cycle of functions only)

/** how a field is named in text (the entry key otherwise) */
const LABELS: Readonly<Record<string, string>> = { environment: 'env', restart_policy: 'restart' };

/** what an absent field means, where "(none)" would mislead */
const ABSENT: Readonly<Record<string, string>> = {
  command: "(the image's)",
  entrypoint: "(the image's)",
  healthcheck: "(the image's)",
  mem_limit: '(no limit)',
  cpu_shares: '(default)',
};

type Json = JsonValue;
const obj = (v: Json): Readonly<Record<string, Json>> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, Json>) : {};
const list = (v: Json): readonly Json[] => (Array.isArray(v) ? (v as readonly Json[]) : []);

/** compact forms of the fields people read most; anything else is JSON */
const FORMATS: Readonly<Record<string, (v: Json) => string>> = {
  ports: (v) =>
    list(v)
      .map((p) => {
        const o = obj(p);
        return `${o.host_ip !== undefined ? `${String(o.host_ip)}:` : ''}${String(o.external)}->${String(o.internal)}${o.protocol === 'udp' ? '/udp' : ''}`;
      })
      .join(', ') || '(none)',
  links: (v) =>
    list(v)
      .map((l) => {
        const o = obj(l);
        return `${String(o.alias)}:${String(o.local_port)}->${String(o.remote_port)}`;
      })
      .join(', ') || '(none)',
  volume: (v) =>
    typeof obj(v).mountpoint === 'string' ? `at ${String(obj(v).mountpoint)}` : JSON.stringify(v),
  mem_limit: (v) => (typeof v === 'number' && v >= 1024 ? `${v} (${formatBytes(v)})` : String(v)),
  restart_policy: (v) => {
    const o = obj(v);
    return o.maximum_retry_count !== undefined
      ? `${String(o.name)} (at most ${String(o.maximum_retry_count)} retries)`
      : String(o.name);
  },
  image: (v) => String(v),
  depends_on: (v) => list(v).map(String).join(', ') || '(none)',
};

export const fieldLabel = (c: Pick<FieldChange, 'field' | 'key'>): string =>
  `${LABELS[c.field] ?? c.field}${c.key !== undefined ? ` ${c.key}` : ''}`;

/** A field's value in text; undefined: the field is absent. */
export function formatFieldValue(field: string, v: Json | undefined): string {
  if (v === undefined) return ABSENT[field] ?? '(none)';
  const f = FORMATS[field];
  return f ? f(v) : JSON.stringify(v);
}

/** "image: nginx:1.25 → nginx:1.27", "env DB_PASSWORD: changed", "env NEW: added" */
export function explainFieldChange(c: FieldChange): string {
  const label = fieldLabel(c);
  if (c.before === undefined && c.after === undefined) return `${label}: ${c.change}`; // secret
  if (c.key !== undefined) {
    // a mapping's key: its value, or which way it went
    if (c.change === 'added') return `${label}: added (${JSON.stringify(c.after)})`;
    if (c.change === 'removed') return `${label}: removed (was ${JSON.stringify(c.before)})`;
    return `${label}: ${JSON.stringify(c.before)} → ${JSON.stringify(c.after)}`;
  }
  return `${label}: ${formatFieldValue(c.field, c.before)} → ${formatFieldValue(c.field, c.after)}`;
}

/** the names of what changed, for one line: "image, ports, env DB_PASSWORD" */
export const changedFields = (diff: readonly FieldChange[]): string => diff.map(fieldLabel).join(', ');
