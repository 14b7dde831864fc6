// JSON schema of the plan as flocker-deploy prints it: the `--dry-run --json` document (also the
// `plan` of the last NDJSON line) and the changes inside plan and progress events. The source of
// docs/schema/plan.v1.json (scripts/schema-docs.mjs); docs/plan.md explains it. Versioning:
// adding a field or a change kind keeps version 1; removing or retyping one bumps it.
import { applicationEntrySchema } from './application-schema.js';
import { APP_NAME_PATTERN, NODE_NAME_PATTERN } from './names.js';
import { PHASES } from './changes.js';

export const PLAN_FORMAT = 'flocker-plan';
export const PLAN_VERSION = 1;
/** what the document carries as `schema`, beside format and version */
export const PLAN_SCHEMA = `${PLAN_FORMAT}.v${PLAN_VERSION}`;

const STR = { type: 'string' } as const;
const NAME = {
  type: 'string',
  pattern: APP_NAME_PATTERN,
  description: 'an application (and volume) name',
} as const;
const NODE = {
  type: 'string',
  pattern: NODE_NAME_PATTERN,
  description: 'a node name of the deployment',
} as const;
const PORT = { type: 'integer', minimum: 1, maximum: 65535 } as const;
const COUNT = { type: 'integer', minimum: 0 } as const;
const ref = (d: string) => ({ $ref: `#/definitions/${d}` }) as const;

/** one change kind: its `kind` and its other fields, all of them named */
function kind(
  name: string,
  description: string,
  required: readonly string[],
  properties: Record<string, unknown>,
) {
  return {
    type: 'object',
    description,
    additionalProperties: false,
    required: ['kind', ...required],
    properties: { kind: { const: name }, ...properties },
  } as const;
}

const { environment: _secret, secrets: _secrets, ...entryFields } = applicationEntrySchema.properties;
void _secret;
void _secrets;

/** Definitions shared by plan.v1.json and events.v1.json (the events schema embeds them). */
export const planDefinitions = {
  application: {
    type: 'object',
    description:
      'an application in canonical form (defaults filled, lists sorted); environment: the variable names only, never their values; secrets: their container paths only',
    additionalProperties: false,
    required: ['name', 'image', 'ports', 'links', 'environment', 'restart_policy'],
    properties: {
      name: NAME,
      ...entryFields,
      environment: {
        type: 'array',
        description: 'the names of its environment variables, sorted (values are never printed)',
        items: STR,
      },
      secrets: {
        type: 'array',
        description:
          'the container paths its secrets are mounted at, sorted (values and hashes are never printed)',
        items: STR,
      },
    },
  },
  fieldChange: {
    type: 'object',
    description:
      'one difference between the running and the desired config of an app (config entry form); a mapping (environment) differs key by key; secret fields (environment) never carry before/after',
    additionalProperties: false,
    required: ['field', 'change'],
    properties: {
      field: { type: 'string', description: 'the application config key: image, ports, environment, ...' },
      key: { type: 'string', description: 'the key within a mapping field (an environment variable name)' },
      change: { enum: ['added', 'removed', 'changed'] },
      before: { description: 'the value before, as in the application config (absent: added, or secret)' },
      after: { description: 'the value after, as in the application config (absent: removed, or secret)' },
    },
  },
  route: {
    type: 'object',
    additionalProperties: false,
    required: ['port', 'target_address', 'target_port'],
    properties: {
      port: PORT,
      target_address: STR,
      target_port: PORT,
      protocol: { type: 'string', const: 'udp' },
    },
  },
  /** one leaf change: what node events are about */
  leafChange: {
    oneOf: [
      kind(
        'check-start',
        'check that this node can do its part, before anything changes',
        ['images', 'app_ports', 'route_ports', 'volumes'],
        {
          images: { type: 'array', items: STR },
          app_ports: { type: 'array', items: PORT },
          route_ports: { type: 'array', items: PORT },
          udp_app_ports: { type: 'array', items: PORT },
          udp_route_ports: { type: 'array', items: PORT },
          volumes: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['name', 'bytes'],
              properties: { name: NAME, bytes: COUNT },
            },
          },
        },
      ),
      kind(
        'start-application',
        'start an application (link variables resolved for this node)',
        ['application', 'link_environment'],
        {
          application: ref('application'),
          link_environment: {
            type: 'object',
            description: 'the Docker link variables (ALIAS_PORT_...): addresses and ports of linked apps',
            additionalProperties: STR,
          },
        },
      ),
      kind('stop-application', 'stop an application', ['name', 'reason'], {
        name: NAME,
        reason: { enum: ['removed', 'moved', 'changed'] },
        volume_kept: { type: 'boolean', description: 'removed: this node keeps its volume' },
        config_diff: {
          type: 'array',
          description: 'changed (or moved with a new config): every difference, field by field',
          items: ref('fieldChange'),
        },
      }),
      kind('create-volume', 'create an empty volume', ['name'], { name: NAME }),
      kind('set-volume-quota', "set (bytes) or remove a volume's maximum size (ZFS quota)", ['name'], {
        name: NAME,
        bytes: { type: 'integer', minimum: 1, description: 'the quota in bytes; absent: none' },
      }),
      kind('push-volume', 'copy a volume to another node while its app runs', ['name', 'to', 'to_address'], {
        name: NAME,
        to: NODE,
        to_address: STR,
      }),
      kind(
        'handoff-volume',
        'final copy after the app stopped, then the receiver owns it',
        ['name', 'to', 'to_address'],
        {
          name: NAME,
          to: NODE,
          to_address: STR,
        },
      ),
      kind('wait-for-volume', 'check the volume arrived (owned here) before starting', ['name', 'from'], {
        name: NAME,
        from: NODE,
      }),
      kind('resume-handoff', 'carry on a handoff this node began', ['name', 'to', 'to_address'], {
        name: NAME,
        to: NODE,
        to_address: STR,
      }),
      kind(
        'cancel-handoff',
        'own the volume again here (unless the receiver owns it already)',
        ['name', 'to', 'to_address'],
        {
          name: NAME,
          to: NODE,
          to_address: STR,
        },
      ),
      kind(
        'promote-volume',
        'with --forget-node: the newest copy becomes owner at epoch',
        ['name', 'epoch', 'forgotten'],
        {
          name: NAME,
          epoch: COUNT,
          forgotten: NODE,
        },
      ),
      kind('set-proxies', "make this node's routes exactly these", ['routes'], {
        routes: { type: 'array', items: ref('route') },
        guard: {
          type: 'object',
          description: 'cluster-only ports: accepted from these sources only (networks)',
          additionalProperties: false,
          required: ['ports', 'sources'],
          properties: { ports: { type: 'array', items: PORT }, sources: { type: 'array', items: STR } },
        },
      }),
    ],
  },
  change: {
    oneOf: [
      ref('leafChange'),
      {
        type: 'object',
        description: 'a group: in order (sequentially) or at once (in-parallel)',
        additionalProperties: false,
        required: ['kind', 'changes'],
        properties: {
          kind: { enum: ['sequentially', 'in-parallel'] },
          changes: { type: 'array', items: ref('change') },
        },
      },
    ],
  },
  phases: {
    type: 'array',
    description: 'the phases in order; within one, nodes run in parallel; only phases and nodes with work',
    items: {
      type: 'object',
      additionalProperties: false,
      required: ['phase', 'nodes'],
      properties: {
        phase: { enum: [...PHASES] },
        nodes: {
          type: 'object',
          propertyNames: { pattern: NODE_NAME_PATTERN },
          additionalProperties: ref('change'),
        },
      },
    },
  },
  planDocument: {
    type: 'object',
    description: 'flocker-deploy --dry-run --json (and the plan of the last --json line)',
    additionalProperties: false,
    required: ['format', 'version', 'schema', 'nodes', 'changes', 'volumes', 'phases'],
    properties: {
      format: { const: PLAN_FORMAT },
      schema: { const: PLAN_SCHEMA, description: 'this schema: docs/schema/plan.v1.json' },
      version: { const: PLAN_VERSION },
      nodes: {
        type: 'object',
        description: 'every node of the deployment: the address used to reach and route to it',
        propertyNames: { pattern: NODE_NAME_PATTERN },
        additionalProperties: {
          type: 'object',
          additionalProperties: false,
          required: ['address'],
          properties: { address: STR },
        },
      },
      changes: { ...COUNT, description: 'how many leaf changes the plan makes (0: nothing to do)' },
      volumes: {
        type: 'object',
        description: "each volume the plan moves: its size in bytes (the sender's zfs referenced)",
        additionalProperties: {
          type: 'object',
          additionalProperties: false,
          required: ['bytes'],
          properties: { bytes: COUNT },
        },
      },
      phases: ref('phases'),
    },
  },
} as const;

/** docs/schema/plan.v1.json: the --dry-run --json document. */
export const planDocumentSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: `flocker:plan.v${PLAN_VERSION}.json`,
  title: `flocker-deploy --dry-run --json (${PLAN_FORMAT} version ${PLAN_VERSION})`,
  $ref: '#/definitions/planDocument',
  definitions: planDefinitions,
} as const;
