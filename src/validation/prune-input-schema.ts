// JSON schema of `flocker-changestate prune` input (PruneInput).
import { PROTOCOL_VERSION } from '../model/state.js';
import { APP_NAME_PATTERN, NODE_NAME_PATTERN, SNAPSHOT_NAME_PATTERN } from '../model/names.js';

const APP = { type: 'string', pattern: APP_NAME_PATTERN } as const;
const SHORT = { type: 'string', maxLength: 256 } as const;

export const pruneInputSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['protocol', 'self', 'dry_run', 'applications', 'volumes', 'snapshots', 'audit'],
  properties: {
    protocol: { const: PROTOCOL_VERSION },
    self: { type: 'string', pattern: NODE_NAME_PATTERN },
    dry_run: { type: 'boolean' },
    applications: { type: 'array', items: APP, maxItems: 10000 },
    volumes: {
      type: 'array',
      maxItems: 10000,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'role', 'epoch'],
        properties: {
          name: APP,
          role: { enum: ['owner', 'copy'] },
          epoch: { type: 'integer', minimum: 0, maximum: 999_999_999 },
        },
      },
    },
    snapshots: {
      type: 'array',
      maxItems: 10000,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'destroy'],
        properties: {
          name: APP,
          destroy: {
            type: 'array',
            items: { type: 'string', pattern: SNAPSHOT_NAME_PATTERN },
            maxItems: 100000,
          },
        },
      },
    },
    // issue 13 item 1
    images: {
      type: 'array',
      maxItems: 100000,
      items: { type: 'string', pattern: '^sha256:[0-9a-f]{64}$' },
    },
    audit: {
      type: 'object',
      additionalProperties: false,
      required: ['deploy_id', 'user', 'host', 'started_at'],
      properties: {
        deploy_id: { type: 'string', pattern: '^[A-Za-z0-9-]{8,64}$' },
        user: SHORT,
        host: SHORT,
        started_at: { type: 'string', maxLength: 64 },
      },
    },
  },
} as const;
