// JSON schema of `flocker status --json` (StatusReport in status.ts; documented in docs/status.md).
import { STATUS_FORMAT, STATUS_VERSION } from './status.js';

const PORT = { type: 'integer', minimum: 1, maximum: 65535 } as const;
const STR = { type: 'string' } as const;
const NODES = { type: 'array', items: STR } as const;

export const statusReportSchema = {
  $comment: 'flocker status --json',
  type: 'object',
  additionalProperties: false,
  required: ['format', 'version', 'complete', 'nodes', 'applications', 'volumes', 'routes'],
  properties: {
    format: { const: STATUS_FORMAT },
    version: { const: STATUS_VERSION },
    complete: { type: 'boolean', description: 'every node answered' },
    nodes: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'reachable'],
        properties: {
          name: STR,
          reachable: { type: 'boolean' },
          address: STR,
          hostname: STR,
          error: {
            type: 'object',
            additionalProperties: false,
            required: ['code', 'message'],
            properties: { code: STR, message: STR },
          },
          lock: {
            type: 'object',
            additionalProperties: false,
            required: ['held'],
            properties: {
              held: { type: 'boolean' },
              holder: {
                type: 'object',
                additionalProperties: false,
                required: ['user', 'from', 'since', 'deploy_id', 'deploy_pid'],
                properties: {
                  user: STR,
                  from: STR,
                  since: STR,
                  deploy_id: STR,
                  deploy_pid: { type: 'integer' },
                },
              },
            },
          },
        },
      },
    },
    applications: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'node', 'state', 'ports', 'volume', 'deployed_to'],
        properties: {
          name: STR,
          node: STR,
          state: { enum: ['running', 'failed', 'stopped', 'not running'] },
          unit_state: STR,
          image: STR,
          since: STR,
          ports: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['internal', 'external'],
              properties: { internal: PORT, external: PORT },
            },
          },
          volume: { type: 'boolean' },
          deployed_to: NODES,
        },
      },
    },
    volumes: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'owners', 'copies', 'epoch'],
        properties: {
          name: STR,
          owners: NODES,
          handing_off: {
            type: 'object',
            additionalProperties: false,
            required: ['from', 'to'],
            properties: { from: STR, to: STR },
          },
          copies: NODES,
          epoch: { type: 'integer', minimum: 0 },
          bytes: { type: 'integer', minimum: 0 },
          newest_snapshot: STR,
        },
      },
    },
    routes: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['node', 'port', 'target_address', 'target_port'],
        properties: {
          node: STR,
          port: PORT,
          target_address: STR,
          target_port: PORT,
          target_node: STR,
          protocol: { type: 'string', const: 'udp' },
        },
      },
    },
  },
} as const;
