// JSON schema of NodeState (what flocker-reportstate prints; checked by flocker-deploy, and by
// flocker-changestate inside its input). Data only.
import { PROTOCOL_VERSION } from './state.js';
import {
  APP_NAME_PATTERN,
  APP_NAME_RULE,
  NODE_NAME_PATTERN,
  NODE_NAME_RULE,
  SNAPSHOT_NAME_PATTERN,
  SNAPSHOT_NAME_RULE,
} from './names.js';
import { IPV4_PATTERN, applicationEntrySchema } from './application-schema.js';

const PORT = { type: 'integer', minimum: 1, maximum: 65535 } as const;
const APP_NAME = { type: 'string', pattern: APP_NAME_PATTERN, description: APP_NAME_RULE } as const;
const SNAPSHOT = { type: 'string', pattern: SNAPSHOT_NAME_PATTERN, description: SNAPSHOT_NAME_RULE } as const;
const NODE = { type: 'string', pattern: NODE_NAME_PATTERN, description: NODE_NAME_RULE } as const;
const EPOCH = { type: 'integer', minimum: 0, maximum: 999_999_999 } as const;
const GUID = { type: 'string', pattern: '^[0-9]{1,20}$' } as const;
const VOLUME = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'snapshots', 'role', 'epoch'],
  properties: {
    name: APP_NAME,
    snapshots: { type: 'array', items: SNAPSHOT },
    role: { enum: ['owner', 'copy', 'handing-off'] },
    epoch: EPOCH,
    owner: NODE,
    lineage: { type: 'string', pattern: '^[0-9a-f]{8,64}$' },
    handoff: {
      type: 'object',
      additionalProperties: false,
      required: ['to', 'epoch'],
      properties: { to: NODE, epoch: EPOCH, snapshot: SNAPSHOT, guid: GUID },
    },
    bytes: { type: 'integer', minimum: 0 },
    newest_guid: GUID,
    quota: { type: 'integer', minimum: 1 },
  },
} as const;

// --- issue 13 item 1 (images without a registry) ---
export const IMAGE_ID_PATTERN = '^sha256:[0-9a-f]{64}$';
export const IMAGE_ID = {
  type: 'string',
  pattern: IMAGE_ID_PATTERN,
  description: 'an image ID: "sha256:" and 64 hex digits',
} as const;
const IMAGE = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'layers'],
  properties: {
    id: IMAGE_ID,
    layers: { type: 'array', maxItems: 1000, items: IMAGE_ID },
    tags: { type: 'array', maxItems: 10000, items: { type: 'string', maxLength: 512 } },
  },
} as const;
// --- end issue 13 item 1 ---

/** One NAT route (reported by a node, persisted in its routes file). */
export const routeSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['port', 'target_address', 'target_port'],
  properties: {
    port: PORT,
    target_address: { type: 'string', minLength: 1 },
    target_port: PORT,
    protocol: { type: 'string', const: 'udp' },
  },
} as const;

/** networks (issue 13 item 4): the guard of cluster-only ports (RouteGuard). */
export const routeGuardSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['ports', 'sources'],
  properties: {
    ports: { type: 'array', items: PORT, minItems: 1 },
    sources: { type: 'array', items: { type: 'string', pattern: IPV4_PATTERN } },
  },
} as const;

/** An object keyed by application (= volume) names, each value as `value` says. */
const byAppName = <T>(value: T) =>
  ({
    type: 'object',
    propertyNames: { pattern: APP_NAME_PATTERN, description: APP_NAME_RULE },
    additionalProperties: value,
  }) as const;

/** The cluster membership record (cluster.json, `flocker-changestate remember` input, NodeState). */
export const membershipSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['format', 'nodes', 'volumes', 'written_at'],
  properties: {
    format: { const: 'flocker-cluster/1' },
    nodes: { type: 'array', items: { type: 'string', pattern: NODE_NAME_PATTERN }, maxItems: 10000 },
    volumes: byAppName({
      type: 'object',
      additionalProperties: false,
      required: ['owner', 'epoch'],
      properties: {
        owner: { type: 'string', pattern: NODE_NAME_PATTERN },
        epoch: { type: 'integer', minimum: 0 },
      },
    } as const),
    written_at: { type: 'string', maxLength: 64 },
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
    applications: byAppName({
      type: 'object',
      additionalProperties: false,
      required: ['spec', 'running'],
      properties: {
        spec: applicationEntrySchema,
        running: { type: 'boolean' },
        unit_state: { type: 'string', pattern: '^[a-z-]{1,32}$' },
        since: { type: 'string', maxLength: 64 },
      },
    } as const),
    owned_volumes: { type: 'array', items: VOLUME },
    volume_copies: { type: 'array', items: VOLUME },
    routes: { type: 'array', items: routeSchema },
    route_guard: routeGuardSchema,
    membership: membershipSchema,
    // issue 13 item 1
    images: { type: 'array', maxItems: 100000, items: IMAGE },
    shipped_images: { type: 'array', maxItems: 100000, items: IMAGE_ID },
  },
} as const;
