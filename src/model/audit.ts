// The audit log's line (one JSON object per line on each node, schema in audit-schema.ts).

export type AuditEvent = 'deploy' | 'apply-start' | 'apply-end' | 'prune';

/** ok | failed | interrupted | started; older lines hold "failed: MESSAGE" */
export type AuditResult = string;

export interface AuditLine {
  readonly time: string;
  /** absent on lines written before events existed (they were all 'deploy') */
  readonly event?: AuditEvent;
  readonly deploy_id?: string;
  readonly user: string;
  readonly host?: string;
  readonly started_at?: string;
  readonly config_hash?: string;
  readonly node: string;
  readonly phase?: string;
  readonly result: AuditResult;
  readonly code?: string;
  readonly message?: string;
  readonly summary?: readonly string[];
  /** the plan's changes as shown (plan/shown.ts: environment values never kept), or older text */
  readonly changes: readonly (RecordedChange | string)[];
}

/** A change as the log keeps it: the plan's change data, with environment names but no values. */
export interface RecordedChange {
  readonly kind: string;
}
