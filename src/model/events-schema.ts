// JSON schema of one line of `flocker-deploy --json` (NDJSON): a progress event (events.ts) as
// printed (secret values shown as names only, plan/shown.ts), then the `result` line, or an
// `error` or `interrupted` line last. Every line carries schema, type and time. The
// source of docs/schema/events.v1.json (scripts/schema-docs.mjs); docs/events.md explains it.
// Versioning: a new field or event type keeps version 1; removing or retyping one bumps it.
import { ERROR_CODES } from '../errors.js';
import { PHASES } from './changes.js';
import { NODE_NAME_PATTERN } from './names.js';
import { planDefinitions } from './plan-schema.js';

export const EVENTS_FORMAT = 'flocker-events';
export const EVENTS_VERSION = 1;
/** what every line carries as `schema` (an event has its own `version` field: agent-installed) */
export const EVENTS_SCHEMA = `${EVENTS_FORMAT}.v${EVENTS_VERSION}`;

const STR = { type: 'string' } as const;
const NODE = { type: 'string', pattern: NODE_NAME_PATTERN } as const;
const NODES = { type: 'array', items: NODE } as const;
const MS = { type: 'number', minimum: 0, description: 'milliseconds it took' } as const;
const COUNT = { type: 'number', minimum: 0 } as const;
const PHASE = { enum: [...PHASES] } as const;
const STEP = { enum: ['connect', 'lock', 'build images', 'gather state', 'node-to-node trust'] } as const;
const ref = (d: string) => ({ $ref: `#/definitions/${d}` }) as const;
const ERROR = {
  type: 'object',
  description: 'an error: its catalogue code (docs/errors.md) and its message',
  additionalProperties: false,
  required: ['code', 'message'],
  properties: { code: { enum: Object.keys(ERROR_CODES) }, message: STR },
} as const;

/** one event type: the fields every line has, then its own */
function event(
  type: string,
  description: string,
  required: readonly string[],
  properties: Record<string, unknown>,
) {
  return {
    type: 'object',
    description,
    additionalProperties: false,
    required: ['schema', 'type', 'time', ...required],
    properties: {
      schema: { const: EVENTS_SCHEMA, description: 'this schema: docs/schema/events.v1.json' },
      type: { const: type },
      time: { type: 'string', description: 'when it was printed (ISO 8601, UTC)' },
      ...properties,
    },
  } as const;
}

const nodeChange = { node: NODE, phase: PHASE, change: ref('leafChange') } as const;

export const eventDefinitions = {
  ...planDefinitions,
  event: {
    oneOf: [
      event('step-start', 'a step before the phases began on these nodes', ['step', 'nodes'], {
        step: STEP,
        nodes: NODES,
      }),
      event('step-done', 'the step ended well', ['step', 'ms'], { step: STEP, ms: MS }),
      event('step-failed', 'the step failed (the error line follows)', ['step', 'error'], {
        step: STEP,
        error: ERROR,
      }),
      event('plan', 'the plan, before anything changes', ['plan', 'addresses'], {
        plan: {
          type: 'object',
          additionalProperties: false,
          required: ['phases'],
          properties: { phases: ref('phases') },
        },
        addresses: {
          type: 'object',
          description: 'node name -> the address used to reach and route to it',
          additionalProperties: STR,
        },
        volumes: {
          type: 'object',
          description: 'each moving volume: its size in bytes',
          additionalProperties: COUNT,
        },
      }),
      event('phase-start', 'a phase began on these nodes (in parallel)', ['phase', 'nodes'], {
        phase: PHASE,
        nodes: NODES,
      }),
      event('phase-done', 'the phase ended well on every node', ['phase', 'ms'], { phase: PHASE, ms: MS }),
      event(
        'phase-failed',
        'the phase failed on some node (every node finished its part)',
        ['phase', 'error'],
        {
          phase: PHASE,
          error: ERROR,
        },
      ),
      event('change-start', 'a node began a change', ['node', 'phase', 'change'], nodeChange),
      event('change-done', 'a node finished a change', ['node', 'phase', 'change', 'ms'], {
        ...nodeChange,
        ms: MS,
        detail: {
          type: 'object',
          description: 'figures of the change, e.g. of a volume push',
          additionalProperties: { type: ['string', 'number', 'boolean'] },
        },
      }),
      event('change-failed', 'a change failed on a node', ['node', 'phase', 'change', 'error'], {
        ...nodeChange,
        error: ERROR,
      }),
      event('transfer-progress', 'a volume stream under way', ['node', 'phase', 'change', 'bytes', 'ms'], {
        ...nodeChange,
        bytes: { ...COUNT, description: 'bytes sent so far' },
        total: { ...COUNT, description: 'the expected total, when known' },
        rate: { ...COUNT, description: 'bytes per second over the last few seconds' },
        eta: { ...COUNT, description: 'seconds left at that rate' },
        ms: { ...COUNT, description: 'ms since the stream started' },
      }),
      event('agent-installed', 'the node agent was put on a node', ['node', 'version', 'action', 'ms'], {
        node: NODE,
        version: STR,
        action: { enum: ['installed', 'updated', 'repaired'] },
        previous: STR,
        ms: MS,
      }),
      // issue 13 item 1
      event(
        'image-built',
        'an image of a compose build was built (on the deploying machine, or on `node` when it has no docker)',
        ['app', 'image', 'image_id', 'ms'],
        {
          app: STR,
          image: STR,
          image_id: STR,
          node: NODE,
          context_bytes: { ...COUNT, description: 'bytes of the build context sent to the node' },
          ms: MS,
        },
      ),
      event(
        'image-shipped',
        'an image was sent to a node that lacked it (only its missing layers)',
        ['node', 'image', 'image_id', 'bytes', 'image_bytes', 'ms'],
        {
          node: NODE,
          image: STR,
          image_id: STR,
          bytes: { ...COUNT, description: 'bytes sent' },
          image_bytes: { ...COUNT, description: "bytes of the image's whole archive" },
          ms: MS,
        },
      ),
      event('image-progress', 'an image on its way to a node', ['node', 'image', 'bytes', 'total', 'ms'], {
        node: NODE,
        image: STR,
        bytes: { ...COUNT, description: 'bytes sent so far' },
        total: { ...COUNT, description: 'bytes to send (the layers the node lacks)' },
        ms: { ...COUNT, description: 'ms since the image started' },
      }),
      event('audit', "every node's audit log was given this deploy's record", ['nodes', 'result'], {
        nodes: NODES,
        result: STR,
      }),
      event('result', 'the last line of a deploy that did not fail', ['applied', 'plan'], {
        applied: { type: 'boolean', description: 'phases ran (false: a dry run, or nothing to do)' },
        plan: ref('planDocument'),
      }),
      event('error', 'the last line of a deploy that failed', ['code', 'exit_code', 'message'], {
        code: ERROR.properties.code,
        exit_code: { type: 'integer', description: 'the exit status (1 or 2; docs/errors.md)' },
        message: STR,
      }),
      event(
        'interrupted',
        'the last line of a deploy ended by a signal',
        ['signal', 'exit_code', 'message'],
        {
          signal: { enum: ['SIGINT', 'SIGTERM'] },
          exit_code: { enum: [130, 143] },
          message: STR,
        },
      ),
    ],
  },
} as const;

/** docs/schema/events.v1.json: one line of flocker-deploy --json. */
export const eventsSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: `flocker:events.v${EVENTS_VERSION}.json`,
  title: `one line of flocker-deploy --json (${EVENTS_FORMAT} version ${EVENTS_VERSION})`,
  $ref: '#/definitions/event',
  definitions: eventDefinitions,
} as const;
