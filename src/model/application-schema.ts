// JSON Schema of one application in the config-file shape (the Flocker version 1 entry): shared
// by the user's config files, the node state and the changestate input. `description` on a
// schema node is the "expected ..." phrase of its error messages.

export const PORT = {
  type: 'integer',
  minimum: 1,
  maximum: 65535,
  description: 'an integer from 1 to 65535',
} as const;

// Name rules are defined once, in model/names.ts (docker, zfs, trust and the wire formats use them too).

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

const IPV4_OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
export const IPV4_PATTERN = `^${IPV4_OCTET}(?:\\.${IPV4_OCTET}){3}$`;

/** An exec-form argv: a list of strings (no NUL, which no argv can hold). */
const ARGV = (what: string, minItems: number) =>
  ({
    type: 'array',
    minItems,
    maxItems: 4096,
    description: `${what}: a list of strings (exec form, no shell)`,
    items: { type: 'string', pattern: '^[^\\u0000]*$', description: 'a string without NUL characters' },
  }) as const;

const SECONDS = (what: string) =>
  ({
    type: 'number',
    exclusiveMinimum: 0,
    maximum: 86400,
    description: `${what} in seconds (a number greater than 0, at most 86400)`,
  }) as const;

/** The schema of one application entry: user config and reportstate output alike. */
export const applicationEntrySchema = {
  type: 'object',
  description:
    'a mapping with the keys image, ports, volume, links, environment, mem_limit, cpu_shares, restart_policy, command, entrypoint, healthcheck, depends_on, build, image_id',
  additionalProperties: false,
  required: ['image'],
  properties: {
    image: { type: 'string', maxLength: 255, pattern: IMAGE_PATTERN, description: IMAGE_RULE },
    ports: {
      type: 'array',
      description: 'a list of {internal, external} port mappings',
      items: {
        type: 'object',
        description: 'a mapping with the keys internal, external and host_ip',
        additionalProperties: false,
        required: ['internal', 'external'],
        properties: {
          internal: PORT,
          external: PORT,
          host_ip: {
            type: 'string',
            maxLength: 45,
            pattern: IPV4_PATTERN,
            description: 'an IPv4 address like 127.0.0.1',
          },
        },
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
    command: ARGV("the command replacing the image's CMD", 1),
    entrypoint: ARGV("the entrypoint replacing the image's ENTRYPOINT ([] for none)", 0),
    healthcheck: {
      type: 'object',
      description:
        'a mapping with the keys test, interval_seconds, timeout_seconds, retries, start_period_seconds',
      additionalProperties: false,
      required: ['test'],
      properties: {
        test: {
          type: 'array',
          minItems: 1,
          maxItems: 4096,
          description: 'docker\'s check form: ["CMD", argv...], ["CMD-SHELL", "command"] or ["NONE"]',
          items: { type: 'string', pattern: '^[^\\u0000]*$', description: 'a string without NUL characters' },
        },
        interval_seconds: SECONDS('the time between checks'),
        timeout_seconds: SECONDS('the time one check may take'),
        retries: { type: 'integer', minimum: 1, maximum: 1000, description: 'an integer from 1 to 1000' },
        start_period_seconds: SECONDS('the start period whose failures do not count'),
      },
    },
    depends_on: {
      type: 'array',
      maxItems: 4096,
      description: 'a list of application names started before this one',
      items: { type: 'string', description: 'an application name' },
    },
    // --- issue 13 item 1 (images without a registry) ---
    build: {
      type: 'object',
      description: 'a mapping with the keys context, dockerfile, args and target',
      additionalProperties: false,
      required: ['context'],
      properties: {
        context: {
          type: 'string',
          pattern: '^/[^\\u0000]*$',
          description: 'the absolute path of the build context',
        },
        dockerfile: { type: 'string', minLength: 1, pattern: '^[^\\u0000]*$', description: 'a file path' },
        args: {
          type: 'object',
          description: 'a mapping of build argument names to string values',
          additionalProperties: { type: 'string', pattern: '^[^\\u0000]*$', description: 'a string' },
        },
        target: { type: 'string', minLength: 1, maxLength: 255, description: 'a build stage name' },
      },
    },
    image_id: {
      type: 'string',
      pattern: '^sha256:[0-9a-f]{64}$',
      description: 'an image ID: "sha256:" and 64 hex digits',
    },
    // --- end issue 13 item 1 ---
  },
} as const;
