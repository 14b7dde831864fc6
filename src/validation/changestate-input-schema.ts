// JSON schemas of what flocker-deploy sends to flocker-changestate on stdin: the input of
// `apply` (model/changestate-input.ts) and of `trust`. Data only.
import { PORT } from '../config/schema.js';
import { PHASES } from '../model/changes.js';
import { NODE_NAME_PATTERN, NODE_NAME_RULE } from '../model/names.js';
import { nodeStateSchema } from '../model/node-state-schema.js';
import { PROTOCOL_VERSION } from '../model/state.js';
import { MAX_PAYLOAD_ENTRIES, PAYLOAD_HASH_PATTERN } from '../model/payload.js';
import { desiredConfigSchema, nodeNameSchema } from './application-schema.js';

const NODE_NAMES = { pattern: NODE_NAME_PATTERN, description: NODE_NAME_RULE } as const;

/** PeerInfo: how to reach a peer and which keys to trust for it. */
const peersSchema = {
  type: 'object',
  propertyNames: NODE_NAMES,
  additionalProperties: {
    type: 'object',
    additionalProperties: false,
    required: ['address', 'port', 'host_key'],
    properties: {
      address: { type: 'string', minLength: 1 },
      port: PORT,
      host_key: { type: 'string', minLength: 1 },
      peer_public_key: { type: 'string', minLength: 1 },
    },
  },
} as const;

/** ClusterState (model/state.ts): every node's reported state and resolved address. */
const clusterStateSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['nodes'],
  properties: {
    nodes: {
      type: 'object',
      propertyNames: NODE_NAMES,
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['address', 'state'],
        properties: { address: { type: 'string', minLength: 1 }, state: nodeStateSchema },
      },
    },
  },
} as const;

/** issue 13: contents of project files and secrets, by hash (model/payload.ts). */
const payloadsSchema = {
  type: 'object',
  propertyNames: { pattern: PAYLOAD_HASH_PATTERN },
  additionalProperties: {
    type: 'object',
    additionalProperties: false,
    required: ['entries'],
    properties: {
      entries: {
        type: 'array',
        minItems: 1,
        maxItems: MAX_PAYLOAD_ENTRIES,
        items: {
          oneOf: [
            {
              type: 'object',
              additionalProperties: false,
              required: ['path', 'type', 'data'],
              properties: {
                path: { type: 'string', maxLength: 255 },
                type: { const: 'file' },
                data: { type: 'string', pattern: '^[A-Za-z0-9+/]*={0,2}$' },
                executable: { const: true },
              },
            },
            {
              type: 'object',
              additionalProperties: false,
              required: ['path', 'type'],
              properties: { path: { type: 'string', maxLength: 255 }, type: { const: 'dir' } },
            },
          ],
        },
      },
    },
  },
} as const;

export const changestateInputSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['protocol', 'phase', 'self', 'desired', 'cluster', 'peers', 'audit'],
  properties: {
    protocol: { const: PROTOCOL_VERSION },
    phase: { type: 'string', enum: [...PHASES] },
    self: nodeNameSchema,
    desired: desiredConfigSchema,
    cluster: clusterStateSchema,
    peers: peersSchema,
    forget: { type: 'array', items: nodeNameSchema },
    payloads: payloadsSchema,
    audit: {
      type: 'object',
      additionalProperties: false,
      required: ['user', 'config_hash', 'started_at'],
      properties: {
        /** the deploy holding the lock: apply refuses to run for another */
        deploy_id: { type: 'string' },
        user: { type: 'string' },
        /** the deploying machine's host name */
        host: { type: 'string', maxLength: 256 },
        config_hash: { type: 'string' },
        started_at: { type: 'string' },
      },
    },
  },
} as const;

/** `flocker-changestate trust --self NODE` input. */
export const trustInputSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['protocol', 'peers'],
  properties: {
    protocol: { const: PROTOCOL_VERSION },
    peers: peersSchema,
    /** the nodes that push volumes in this deploy */
    senders: { type: 'array', items: nodeNameSchema },
  },
} as const;
