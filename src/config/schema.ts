// JSON Schemas of the two Flocker config files, and the translation of ajv errors into
// positioned problems. `description` on a schema node is the "expected ..." phrase of its
// error messages (a standard annotation, so the schemas compile with any ajv).

import type { ErrorObject } from 'ajv';
import { describeValue } from './yaml-source.js';
import type { KeyPath, PathSegment } from './yaml-source.js';
import { APP_NAME_PATTERN, APP_NAME_RULE, NODE_NAME_PATTERN, NODE_NAME_RULE } from '../model/names.js';

export const PORT = {
  type: 'integer',
  minimum: 1,
  maximum: 65535,
  description: 'an integer from 1 to 65535',
} as const;

// Name rules are defined once, in model/names.ts (docker, zfs, trust and the wire formats use them too).
export { APP_NAME_PATTERN, APP_NAME_RULE, NODE_NAME_PATTERN, NODE_NAME_RULE } from '../model/names.js';

export const ENV_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]*$';
export const ENV_NAME_RULE =
  'an environment variable name: letters, digits and "_", not starting with a digit';

/** Link aliases become the prefix of ALIAS_PORT_<port>_TCP... variables (uppercased). */
export const LINK_ALIAS_PATTERN = '^[A-Za-z_][A-Za-z0-9_]{0,62}$';
export const LINK_ALIAS_RULE =
  'a link alias: 1 to 63 letters, digits and "_", not starting with a digit (it becomes an environment variable prefix)';

// Docker image reference (distribution/reference grammar, without IPv6 registry hosts):
//   [domain[:port]/]path-component(/path-component)*[:tag][@digest]
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*(?::[0-9]+)?`;
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const TAG = '[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
export const IMAGE_PATTERN = `^(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*(?::${TAG})?(?:@${DIGEST})?$`;
export const IMAGE_RULE =
  'a Docker image reference like "nginx", "nginx:1.25" or "registry.example.com:5000/team/app:v2" (lowercase repository path)';

/** The schema of one application entry: user config and reportstate output alike. */
export const applicationEntrySchema = {
  type: 'object',
  description:
    'a mapping with the keys image, ports, volume, links, environment, mem_limit, cpu_shares, restart_policy',
  additionalProperties: false,
  required: ['image'],
  properties: {
    image: { type: 'string', maxLength: 255, pattern: IMAGE_PATTERN, description: IMAGE_RULE },
    ports: {
      type: 'array',
      description: 'a list of {internal, external} port mappings',
      items: {
        type: 'object',
        description: 'a mapping with the keys internal and external',
        additionalProperties: false,
        required: ['internal', 'external'],
        properties: { internal: PORT, external: PORT },
      },
    },
    volume: {
      type: 'object',
      description: 'a mapping with the key mountpoint',
      additionalProperties: false,
      required: ['mountpoint'],
      properties: {
        mountpoint: { type: 'string', description: 'an absolute path inside the container' },
      },
    },
    links: {
      type: 'array',
      description: 'a list of {local_port, remote_port, alias} links',
      items: {
        type: 'object',
        description: 'a mapping with the keys local_port, remote_port and alias',
        additionalProperties: false,
        required: ['local_port', 'remote_port', 'alias'],
        properties: {
          local_port: PORT,
          remote_port: PORT,
          alias: { type: 'string', pattern: LINK_ALIAS_PATTERN, description: LINK_ALIAS_RULE },
        },
      },
    },
    environment: {
      type: 'object',
      description: 'a mapping of environment variable names to string values',
      propertyNames: { pattern: ENV_NAME_PATTERN, description: ENV_NAME_RULE },
      additionalProperties: {
        type: 'string',
        pattern: '^[^\\n\\r\\u0000]*$',
        description: 'a string without newline, carriage return or NUL characters',
      },
    },
    mem_limit: {
      type: 'integer',
      minimum: 1,
      maximum: Number.MAX_SAFE_INTEGER,
      description: 'a memory limit in bytes (an integer greater than 0)',
    },
    cpu_shares: {
      type: 'integer',
      minimum: 1,
      maximum: 262144,
      description: 'CPU shares (an integer from 1 to 262144)',
    },
    restart_policy: {
      type: 'object',
      description: 'a mapping with the keys name and maximum_retry_count',
      additionalProperties: false,
      required: ['name'],
      properties: {
        name: {
          type: 'string',
          enum: ['never', 'always', 'on-failure'],
          description: 'one of never, always, on-failure',
        },
        maximum_retry_count: {
          type: 'integer',
          minimum: 0,
          maximum: 2147483647,
          description: 'an integer 0 or greater',
        },
      },
    },
  },
} as const;

export const applicationConfigSchema = {
  type: 'object',
  description: 'a mapping with the keys version and applications',
  additionalProperties: false,
  required: ['version', 'applications'],
  properties: {
    version: { const: 1, description: 'the number 1 (the only config version there is)' },
    applications: {
      type: 'object',
      description: 'a mapping of application names to applications',
      propertyNames: { pattern: APP_NAME_PATTERN, description: APP_NAME_RULE },
      additionalProperties: applicationEntrySchema,
    },
  },
} as const;

export const deploymentConfigSchema = {
  type: 'object',
  description: 'a mapping with the keys version and nodes',
  additionalProperties: false,
  required: ['version', 'nodes'],
  properties: {
    version: { const: 1, description: 'the number 1 (the only config version there is)' },
    nodes: {
      type: 'object',
      description: 'a mapping of node names to lists of application names',
      propertyNames: { pattern: NODE_NAME_PATTERN, description: NODE_NAME_RULE },
      additionalProperties: {
        type: ['array', 'null'],
        description: 'a list of application names (or nothing)',
        items: { type: 'string', pattern: APP_NAME_PATTERN, description: APP_NAME_RULE },
      },
    },
  },
} as const;

/** ajv options of every validator (src/validation/validators.ts compiles with these). */
export const AJV_OPTIONS = { allErrors: true, verbose: true, strict: true, allowUnionTypes: true } as const;

/** A problem before it is given a position: where (path + what to point at) and what. */
export interface PathProblem {
  readonly path: KeyPath;
  /** what to point at: the value, the key, or the key naming the mapping (missing keys) */
  readonly target: 'value' | 'key' | 'parent';
  readonly message: string;
}

function pointerToPath(pointer: string): PathSegment[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^(0|[1-9][0-9]*)$/.test(s) ? Number(s) : s));
}

function expectedOf(e: ErrorObject): string {
  const d = (e.parentSchema as { description?: unknown } | undefined)?.description;
  return typeof d === 'string' ? d : (e.message ?? 'something else');
}

function foundText(expected: string, data: unknown): string {
  const found = describeValue(data);
  if ((typeof data === 'number' || typeof data === 'boolean') && expected.startsWith('a string')) {
    return `${found} (quote it to make it a string: "${String(data)}")`;
  }
  return found;
}

/**
 * ajv errors -> problems, one per place. `pathPrefix` is where the validated value sits in its
 * file; the properties lists of a schema give the "one of" text for unknown keys.
 */
export function ajvErrorsToProblems(errors: readonly ErrorObject[], pathPrefix: KeyPath = []): PathProblem[] {
  const out: PathProblem[] = [];
  const seenValue = new Set<string>();
  for (const e of errors) {
    const base = [...pathPrefix, ...pointerToPath(e.instancePath)];
    if (e.keyword === 'propertyNames') continue; // reported by its inner error (with propertyName)
    if (e.propertyName !== undefined) {
      out.push({
        path: [...base, e.propertyName],
        target: 'key',
        message: `expected ${expectedOf(e)}, found ${JSON.stringify(e.propertyName)}`,
      });
      continue;
    }
    if (e.keyword === 'required') {
      const missing = (e.params as { missingProperty: string }).missingProperty;
      out.push({ path: base, target: 'parent', message: `missing required key "${missing}"` });
      continue;
    }
    if (e.keyword === 'additionalProperties') {
      const key = (e.params as { additionalProperty: string }).additionalProperty;
      const props = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      out.push({
        path: [...base, key],
        target: 'key',
        message: `unknown key ${JSON.stringify(key)}; expected one of: ${props.join(', ')}`,
      });
      continue;
    }
    const k = JSON.stringify(base);
    if (seenValue.has(k)) continue;
    seenValue.add(k);
    const expected = expectedOf(e);
    out.push({
      path: base,
      target: 'value',
      message: `expected ${expected}, found ${foundText(expected, e.data)}`,
    });
  }
  return out;
}
