// The deploy lock's holder record (/var/lib/flocker/lock/holder.json on each node, and the first
// line of `flocker-changestate lock`'s input): who holds it, from where, since when.
export const lockHolderSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['deploy_id', 'user', 'from', 'deploy_pid', 'started_at', 'config_hash'],
  properties: {
    deploy_id: { type: 'string', pattern: '^[A-Za-z0-9-]{8,64}$' },
    user: { type: 'string', maxLength: 256 },
    from: { type: 'string', maxLength: 256 },
    deploy_pid: { type: 'integer', minimum: 0 },
    /** the node name this deploy gave the machine */
    node: { type: 'string', maxLength: 253 },
    started_at: { type: 'string', maxLength: 64 },
    config_hash: { type: 'string', maxLength: 64 },
    /** pid of the node-side holder process (what `lock-break` ends) */
    pid: { type: 'integer', minimum: 1 },
  },
} as const;
