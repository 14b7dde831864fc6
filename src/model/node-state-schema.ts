// JSON schema of NodeState (what flocker-reportstate prints; checked by flocker-deploy). Data only.
import { PROTOCOL_VERSION } from './state.js';
import { applicationEntrySchema } from '../config/schema.js';

const PORT = { type: 'integer', minimum: 1, maximum: 65535 } as const;
const VOLUME = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'snapshots'],
  properties: {
    name: { type: 'string', minLength: 1 },
    snapshots: { type: 'array', items: { type: 'string', minLength: 1 } },
  },
} as const;

export const nodeStateSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['protocol', 'node', 'applications', 'owned_volumes', 'volume_copies', 'routes'],
  properties: {
    protocol: { const: PROTOCOL_VERSION },
    node: {
      type: 'object',
      additionalProperties: false,
      required: ['hostname', 'machine_id'],
      properties: {
        hostname: { type: 'string', minLength: 1 },
        machine_id: { type: 'string', pattern: '^[0-9a-f]{32}$' },
        peer_public_key: { type: 'string', minLength: 1 },
      },
    },
    applications: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['spec', 'running'],
        properties: { spec: applicationEntrySchema, running: { type: 'boolean' } },
      },
    },
    owned_volumes: { type: 'array', items: VOLUME },
    volume_copies: { type: 'array', items: VOLUME },
    routes: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['port', 'target_address', 'target_port'],
        properties: { port: PORT, target_address: { type: 'string', minLength: 1 }, target_port: PORT },
      },
    },
  },
} as const;
