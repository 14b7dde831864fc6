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

// docker's rule (its env-file reader): any name without "=" or blanks, not starting with "#"
// (issue 13: compose files use names like discovery.type)
export const ENV_NAME_PATTERN = '^[^\\s=#\\u0000][^\\s=\\u0000]{0,1023}$';
export const ENV_NAME_RULE =
  'an environment variable name: no "=", blanks or NUL, not starting with "#" (e.g. JAVA_OPTS or discovery.type)';

/** Link aliases become the prefix of ALIAS_PORT_<port>_TCP... variables (uppercased). */
export const LINK_ALIAS_PATTERN = '^[A-Za-z_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$';
export const LINK_ALIAS_RULE =
  'a link alias: 1 to 63 letters, digits, "_" and "-", starting with a letter or "_", not ending with "-" (the container resolves it as a host name; uppercased with "-" as "_" it is an environment variable prefix)';

/** A volume's name is its sub-folder of the app's dataset (issue 13 item 2): no "/", no leading ".". */
export const VOLUME_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$';
export const VOLUME_NAME_RULE =
  'a volume name: 1 to 64 letters, digits, "_", "." and "-", starting with a letter or digit';

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

// --- issue 13, project files and secrets (branch wt-files) ---
/** A path a project file or secret is mounted at: absolute, no ':' or ',' (docker -v syntax). */
export const MOUNT_TARGET_PATTERN = '^/[^:,\\u0000\\n]*[^/:,\\u0000\\n]$';
const MOUNT_TARGET = {
  pattern: MOUNT_TARGET_PATTERN,
  maxLength: 4096,
  description: 'an absolute path inside the container, not "/", without ":" or ","',
} as const;
const CONTENT_HASH = {
  type: 'string',
  pattern: '^[0-9a-f]{64}$',
  description: 'a sha256 content hash (64 hex digits)',
} as const;
const ID = { type: 'integer', minimum: 0, maximum: 2147483647, description: 'a user or group id' } as const;
// ---- issue 13, runtime keys ----
const HOSTNAME_LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
export const HOSTNAME_PATTERN = `^${HOSTNAME_LABEL}(?:\\.${HOSTNAME_LABEL})*$`;
const USER_WORD = '[A-Za-z0-9_][A-Za-z0-9_.-]*\\$?';
export const USER_PATTERN = `^${USER_WORD}(?::${USER_WORD})?$`;
/** docker takes "NET_ADMIN" and "CAP_NET_ADMIN" alike; "ALL" is every capability */
export const CAP_PATTERN = '^[A-Z][A-Z0-9_]{0,63}$';
const CAPS = (what: string) =>
  ({
    type: 'array',
    maxItems: 64,
    description: `the ${what}: a list of capability names like NET_ADMIN (or ALL)`,
    items: {
      type: 'string',
      pattern: CAP_PATTERN,
      description: 'a capability name in capitals like NET_ADMIN',
    },
  }) as const;
/** flocker.* labels are Flocker's own tags (flocker.application finds the container) */
export const LABEL_NAME_PATTERN = '^(?![Ff][Ll][Oo][Cc][Kk][Ee][Rr]\\.)[^=\\s\\u0000]+$';
export const LABEL_NAME_RULE =
  'a label name without "=", blanks or NUL, not starting with "flocker." (Flocker\'s own labels)';
export const SIGNAL_PATTERN = '^(?:(?:SIG)?[A-Z][A-Z0-9]*(?:[+-][0-9]{1,2})?|[1-9][0-9]?)$';
export const TMPFS_PATTERN = '^/[^\\s:,\\u0000]*(?::[A-Za-z0-9_=,.-]+)?$';
export const TMPFS_RULE =
  'an absolute path inside the container, optionally ":options" (e.g. "/run:size=64m")';
export const ULIMIT_NAMES = [
  'core',
  'cpu',
  'data',
  'fsize',
  'locks',
  'memlock',
  'msgqueue',
  'nice',
  'nofile',
  'nproc',
  'rss',
  'rtprio',
  'rttime',
  'sigpending',
  'stack',
] as const;
const ULIMIT_VALUE = {
  type: 'integer',
  minimum: -1,
  maximum: Number.MAX_SAFE_INTEGER,
  description: 'an integer 0 or greater, or -1 for unlimited',
} as const;
/**
 * The sysctls docker sets per container (its validation: namespaced ones only): net.*,
 * the IPC ones kernel.msg*, kernel.sem, kernel.shm*, and fs.mqueue.*.
 */
export const SYSCTL_PATTERN =
  '^(?:net\\.[A-Za-z0-9_./-]+|kernel\\.(?:msgmax|msgmnb|msgmni|sem|shmall|shmmax|shmmni|shm_rmid_forced)|fs\\.mqueue\\.[A-Za-z0-9_]+)$';
export const SYSCTL_RULE =
  "a sysctl docker sets per container: net.*, kernel.msgmax, kernel.msgmnb, kernel.msgmni, kernel.sem, kernel.shmall, kernel.shmmax, kernel.shmmni, kernel.shm_rmid_forced or fs.mqueue.* (the others are the whole node's)";
/** Flocker's maximum_size: bytes, or a size with a K, M, G or T suffix ("1G", "500M") */
export const SIZE_PATTERN = '^[0-9]{1,15}(?:\\.[0-9]{1,6})?[KMGTkmgt]?[Bb]?$';
const SIZE = {
  type: ['integer', 'string'],
  minimum: 1,
  maximum: Number.MAX_SAFE_INTEGER,
  pattern: SIZE_PATTERN,
  description: 'a size in bytes or like "500M", "1G" (K, M, G, T: powers of 1024)',
} as const;

/** The schema of one application entry: user config and reportstate output alike. */
export const applicationEntrySchema = {
  type: 'object',
  description:
    'a mapping with the keys image, ports, volume, links, environment, mem_limit, cpu_shares, restart_policy, command, entrypoint, healthcheck, depends_on, files, secrets, build, image_id and the runtime keys (hostname, user, cap_add, cap_drop, labels, working_dir, stop_signal, stop_grace_period_seconds, tmpfs, ulimits, sysctls, tty)',
  additionalProperties: false,
  required: ['image'],
  properties: {
    image: { type: 'string', maxLength: 255, pattern: IMAGE_PATTERN, description: IMAGE_RULE },
    ports: {
      type: 'array',
      description: 'a list of {internal, external} port mappings',
      items: {
        type: 'object',
        description: 'a mapping with the keys internal, external, host_ip, protocol and cluster_only',
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
          protocol: { type: 'string', enum: ['tcp', 'udp'], description: 'tcp or udp (absent: tcp)' },
          // issue 13 item 4 (networks): reachable from cluster nodes only
          cluster_only: {
            type: 'boolean',
            const: true,
            description: 'true: only the cluster nodes (and their containers) may connect',
          },
        },
      },
    },
    // issue 13 item 2: `mounts` (two or more volumes, sub-folders of the one dataset); exactly
    // one of mountpoint and mounts (checked in config/entry-checks.ts, with a clearer message)
    volume: {
      type: 'object',
      description:
        'a mapping with the key mountpoint (one volume) or mounts (two or more: a list of {name, mountpoint}), and maximum_size',
      additionalProperties: false,
      properties: {
        mountpoint: { type: 'string', description: 'an absolute path inside the container' },
        mounts: {
          type: 'array',
          minItems: 2,
          maxItems: 64,
          description:
            'a list of two or more {name, mountpoint} volumes (one volume: write volume: {mountpoint: PATH})',
          items: {
            type: 'object',
            description: 'a mapping with the keys name and mountpoint',
            additionalProperties: false,
            required: ['name', 'mountpoint'],
            properties: {
              name: { type: 'string', pattern: VOLUME_NAME_PATTERN, description: VOLUME_NAME_RULE },
              mountpoint: { type: 'string', description: 'an absolute path inside the container' },
            },
          },
        },
        maximum_size: SIZE,
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

    // --- issue 13, project files and secrets (branch wt-files) ---
    files: {
      type: 'object',
      description: 'a mapping of container paths to project files ({source, hash, read_only})',
      propertyNames: MOUNT_TARGET,
      additionalProperties: {
        type: 'object',
        description: 'a mapping with the keys source, hash and read_only',
        additionalProperties: false,
        required: ['source', 'hash', 'read_only'],
        properties: {
          source: { type: 'string', minLength: 1, maxLength: 4096, description: 'a path of the project' },
          hash: CONTENT_HASH,
          read_only: { type: 'boolean', description: 'true or false' },
        },
      },
    },
    secrets: {
      type: 'object',
      description: 'a mapping of container paths to secrets ({source, hash, mode, uid, gid})',
      propertyNames: MOUNT_TARGET,
      additionalProperties: {
        type: 'object',
        description: 'a mapping with the keys source, hash, mode, uid and gid',
        additionalProperties: false,
        required: ['source', 'hash', 'mode'],
        properties: {
          source: { type: 'string', minLength: 1, maxLength: 255, description: 'a secret name' },
          hash: CONTENT_HASH,
          mode: { type: 'integer', minimum: 0, maximum: 0o777, description: 'a file mode from 0 to 0777' },
          uid: ID,
          gid: ID,
        },
      },
    },
    // ---- issue 13, runtime keys ----
    hostname: {
      type: 'string',
      maxLength: 64,
      pattern: HOSTNAME_PATTERN,
      description: 'a host name: labels of letters, digits and "-" separated by "." (at most 64 characters)',
    },
    user: {
      type: 'string',
      maxLength: 256,
      pattern: USER_PATTERN,
      description: 'a user: "name", "uid", "name:group" or "uid:gid"',
    },
    cap_add: CAPS('capabilities added'),
    cap_drop: CAPS('capabilities dropped'),
    labels: {
      type: 'object',
      description: 'a mapping of label names to string values',
      propertyNames: { pattern: LABEL_NAME_PATTERN, maxLength: 1024, description: LABEL_NAME_RULE },
      additionalProperties: {
        type: 'string',
        pattern: '^[^\\n\\r\\u0000]*$',
        description: 'a string without newline, carriage return or NUL characters',
      },
    },
    working_dir: {
      type: 'string',
      maxLength: 4096,
      pattern: '^/[^\\u0000\\n]*$',
      description: 'an absolute path inside the container',
    },
    stop_signal: {
      type: 'string',
      pattern: SIGNAL_PATTERN,
      description: 'a signal name like "SIGQUIT" or "SIGRTMIN+3", or a number',
    },
    stop_grace_period_seconds: {
      type: 'integer',
      minimum: 0,
      maximum: 86400,
      description: 'the seconds docker stop waits before SIGKILL (an integer from 0 to 86400)',
    },
    tmpfs: {
      type: 'array',
      maxItems: 256,
      description: 'a list of tmpfs mounts ("/path" or "/path:options")',
      items: { type: 'string', pattern: TMPFS_PATTERN, description: TMPFS_RULE },
    },
    ulimits: {
      type: 'object',
      description: 'a mapping of ulimit names to {soft, hard}',
      propertyNames: { enum: ULIMIT_NAMES, description: `one of ${ULIMIT_NAMES.join(', ')}` },
      additionalProperties: {
        type: 'object',
        description: 'a mapping with the keys soft and hard',
        additionalProperties: false,
        required: ['soft', 'hard'],
        properties: { soft: ULIMIT_VALUE, hard: ULIMIT_VALUE },
      },
    },
    sysctls: {
      type: 'object',
      description: 'a mapping of sysctl names to values',
      propertyNames: { pattern: SYSCTL_PATTERN, description: SYSCTL_RULE },
      additionalProperties: {
        type: 'string',
        pattern: '^[^\\n\\r\\u0000,]*$',
        description: 'a string without newline, carriage return, NUL or ","',
      },
    },
    tty: { type: 'boolean', description: 'true or false' },
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
