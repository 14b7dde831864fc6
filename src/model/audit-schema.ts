// JSON schema of one line of a node's audit log (/var/lib/flocker/audit.log): written by
// `flocker-changestate audit` and by `apply` (its start and end), read by `flocker audit`.
// Lines written before `event` existed have none and a free-text result ("failed: ...").
export const AUDIT_EVENTS = ['deploy', 'apply-start', 'apply-end', 'prune'] as const;

const TEXT = { type: 'string', maxLength: 4096 } as const;

export const auditLineSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['time', 'user', 'node', 'result', 'changes'],
  properties: {
    /** when the line was written (ISO) */
    time: { type: 'string', maxLength: 64 },
    /** deploy: the deploy side's record at its end; apply-start/-end: one phase on this node */
    event: { enum: [...AUDIT_EVENTS] },
    deploy_id: { type: 'string', pattern: '^[A-Za-z0-9-]{8,64}$' },
    /** the deploying person: the OS user (SUDO_USER under sudo) */
    user: { type: 'string', maxLength: 256 },
    /** the deploying machine's host name */
    host: { type: 'string', maxLength: 256 },
    started_at: { type: 'string', maxLength: 64 },
    config_hash: { type: 'string', maxLength: 64 },
    /** the node name the deploy gave this machine */
    node: { type: 'string', maxLength: 253 },
    phase: { type: 'string', maxLength: 32 },
    /** ok | failed | interrupted | started (older lines: "failed: MESSAGE") */
    result: TEXT,
    /** the error code of a failure (src/errors.ts) */
    code: { type: 'string', pattern: '^E_[A-Z_]{1,60}$' },
    message: TEXT,
    /** what changed, as short text */
    summary: { type: 'array', items: TEXT, maxItems: 10000 },
    /** what changed, as the plan's Change data (older lines: English text) */
    changes: {
      type: 'array',
      maxItems: 10000,
      items: {
        anyOf: [
          { type: 'string' },
          { type: 'object', required: ['kind'], properties: { kind: { type: 'string' } } },
        ],
      },
    },
  },
} as const;
