// One converter per compose service key (ports, volumes, environment, limits and restart,
// unsupported keys). Each reads the compose value at file path `kp`, reports problems at the
// exact item they concern and returns the Flocker value, or undefined when there is none.
import { quoteText, keyText } from '../validation/echo.js';
import type { NamedMount, PortMapping, VolumeSpec } from '../model/application.js';
import type { PathProblem } from './schema.js';
import {
  FIXED_PORT_WHY,
  parseComposePort,
  parseHostIp,
  parseMemLimit,
  parseRestart,
} from './compose-values.js';
import { composeInt } from './compose-run-keys.js';
import { isBindItem } from './compose-binds.js';
import { describeValue } from './yaml-source.js';
import type { KeyPath } from './yaml-source.js';

export const COMPOSE_KEYS = [
  'image',
  'command',
  'entrypoint',
  'ports',
  'expose',
  'networks',
  'links',
  'depends_on',
  'volumes',
  'environment',
  'env_file',
  'healthcheck',
  'mem_limit',
  'cpu_shares',
  'restart',
  'container_name',
  'secrets',
  // issue 13, runtime keys (compose-runtime-keys.ts)
  'hostname',
  'user',
  'cap_add',
  'cap_drop',
  'labels',
  'working_dir',
  'stop_signal',
  'stop_grace_period',
  'tmpfs',
  'ulimits',
  'sysctls',
  'tty',
  'stdin_open',
  'platform',
  'network_mode',
  'runtime',
  'privileged',
  'build', // issue 13 item 1
  'configs', // delivered like secrets (compose-secrets.ts)
];

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const PORT_KEYS = ['target', 'published', 'host_ip', 'protocol', 'mode', 'name'];

/** `ports:` -> the mappings that parse; each bad item is reported at its index. */
export function convertPorts(
  value: unknown,
  kp: KeyPath,
  problems: PathProblem[],
  portOrigin: number[] = [],
): PortMapping[] | undefined {
  if (!Array.isArray(value)) {
    problems.push({
      path: kp,
      target: 'value',
      message: `expected a list of "EXTERNAL:INTERNAL" strings or {target, published} mappings, found ${describeValue(value)}`,
    });
    return undefined;
  }
  const ports: PortMapping[] = [];
  value.forEach((p: unknown, i) => {
    const r = isRecord(p) ? longPort(p, [...kp, i], problems) : parseComposePort(p);
    if (r === undefined) return;
    if (typeof r === 'string') problems.push({ path: [...kp, i], target: 'value', message: r });
    else {
      portOrigin.push(i); // later problems of ports[n] point at the item the user wrote
      ports.push(r);
    }
  });
  return ports;
}

/** The long port syntax {target, published, host_ip, protocol, mode}. */
function longPort(p: Record<string, unknown>, ip: KeyPath, problems: PathProblem[]): PortMapping | undefined {
  const before = problems.length;
  const bad = (k: string, message: string, target: 'value' | 'key' = 'value'): void => {
    problems.push({ path: [...ip, k], target, message });
  };
  for (const k of Object.keys(p)) {
    if (!PORT_KEYS.includes(k))
      bad(k, `unknown port key ${keyText(k)}; expected one of: ${PORT_KEYS.join(', ')}`, 'key');
  }
  const port = (k: string): number | undefined => {
    const v = composeInt(p[k]);
    if (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65535) return v;
    const range = typeof v === 'string' && v.includes('-');
    bad(
      k,
      `expected a port from 1 to 65535, found ${describeValue(v)}${range ? ': port ranges are not supported (list each port: each is routed on its own)' : ''}`,
    );
    return undefined;
  };
  let internal: number | undefined;
  let external: number | undefined;
  if (p['target'] === undefined)
    problems.push({
      path: ip,
      target: 'parent',
      message: 'missing required key "target" (the port inside the container)',
    });
  else internal = port('target');
  if (p['published'] === undefined)
    problems.push({
      path: ip,
      target: 'parent',
      message: `missing required key "published": ${FIXED_PORT_WHY}`,
    });
  else external = port('published');
  let host: { host_ip?: string } = {};
  const h = p['host_ip'];
  if (h !== undefined) {
    const r = typeof h === 'string' ? parseHostIp(h) : `expected an IPv4 address, found ${describeValue(h)}`;
    if (typeof r === 'string')
      bad(
        'host_ip',
        typeof h === 'string' ? `expected an IPv4 address like 127.0.0.1, found ${quoteText(h)}: ${r}` : r,
      );
    else host = r;
  }
  const proto = p['protocol'];
  if (proto !== undefined && proto !== 'tcp' && proto !== 'udp')
    bad('protocol', `expected "tcp" or "udp", found ${describeValue(proto)}`);
  const mode = p['mode'];
  // host or ingress: docker compose itself ignores the mode outside swarm; every node routes
  if (mode !== undefined && mode !== 'host' && mode !== 'ingress')
    bad('mode', `expected "host" or "ingress", found ${describeValue(mode)}`);
  const name = p['name'];
  if (name !== undefined && typeof name !== 'string')
    bad('name', `expected a string, found ${describeValue(name)}`);
  if (problems.length > before || internal === undefined || external === undefined) return undefined;
  return { external, internal, ...host, ...(proto === 'udp' ? { protocol: 'udp' as const } : {}) };
}

/** Top-level `volumes:` keys a declaration may hold, and why the others are refused. */
const VOLUME_DECL_REFUSED: Readonly<Record<string, string>> = {
  driver_opts: 'driver options configure storage on one host, and Flocker moves the volume between nodes',
  external:
    'an external volume lives on one host, and Flocker moves the volume between nodes with its application',
  name: 'Flocker names each volume after its application (one dataset per application)',
  labels: 'Flocker datasets carry no labels',
};

/**
 * Top-level `volumes:` -> the declared names, or null when the key is absent. A declaration is
 * empty or `driver: local` (what Flocker's datasets are); anything that ties the volume to
 * one host is refused.
 */
export function convertVolumeDeclarations(value: unknown, kp: KeyPath, problems: PathProblem[]): Set<string> {
  const names = new Set<string>();
  if (value === null) return names;
  if (!isRecord(value)) {
    problems.push({
      path: kp,
      target: 'value',
      message: `expected a mapping of volume names to declarations, found ${describeValue(value)}`,
    });
    return names;
  }
  for (const [name, decl] of Object.entries(value)) {
    names.add(name);
    if (decl === null) continue;
    if (!isRecord(decl)) {
      problems.push({
        path: [...kp, name],
        target: 'value',
        message: `expected an empty declaration or a mapping, found ${describeValue(decl)}`,
      });
      continue;
    }
    for (const [k, v] of Object.entries(decl)) {
      if (k === 'driver') {
        if (v !== 'local')
          problems.push({
            path: [...kp, name, k],
            target: 'value',
            message: `expected "local", found ${describeValue(v)}: Flocker's volumes are its own ZFS datasets, which follow the application between nodes`,
          });
        continue;
      }
      const why = VOLUME_DECL_REFUSED[k];
      problems.push({
        path: [...kp, name, k],
        target: 'key',
        message: why
          ? `unsupported volume key ${keyText(k)}: ${why}`
          : `unsupported volume key ${keyText(k)}; supported keys are: driver (local)`,
      });
    }
  }
  return names;
}

/** What service volumes are checked against: the declarations and who uses each name. */
export interface VolumeContext {
  /** declared names; null when the file declares no top-level volumes */
  readonly declared: ReadonlySet<string> | null;
  /** named volume -> the service using it (a volume belongs to one application) */
  readonly users: Map<string, string>;
  readonly service: string;
}

/**
 * The folder name of an anonymous volume (issue 13 item 2): its container path without the
 * outer "/", every run of other characters than letters, digits, "_", "." and "-" as "_"
 * (`/var/lib/mysql` -> `var_lib_mysql`), "v" before it if it would not start with a letter or
 * digit. Stable: the same path always gives the same folder, so data stays put across deploys.
 */
export function anonymousVolumeName(target: string): string {
  const n = target
    .replace(/^\/+|\/+$/g, '')
    .replace(/[^A-Za-z0-9_.-]+/g, '_')
    .slice(0, 63);
  return /^[A-Za-z0-9]/.test(n) ? n : `v${n}`;
}

/**
 * `volumes:` -> the app's volume: one (the dataset mounted at its path) or several (each a
 * sub-folder of the one dataset, named after the compose volume or its path). Every item is
 * checked. `origin` learns the compose item of each of the `mounts`.
 */
export function convertVolumes(
  value: unknown,
  kp: KeyPath,
  problems: PathProblem[],
  ctx: VolumeContext = { declared: null, users: new Map(), service: '' },
  origin: number[] = [],
): VolumeSpec | undefined {
  if (!Array.isArray(value)) {
    problems.push({
      path: kp,
      target: 'value',
      message: `expected a list of volumes ("/path" or "name:/path"), found ${describeValue(value)}`,
    });
    return undefined;
  }
  const mounts: NamedMount[] = [];
  const byName = new Map<string, number>();
  value.forEach((v: unknown, i) => {
    if (isBindItem(v)) return; // project files: compose-binds.ts converts them (same indices)
    const ip = [...kp, i];
    const r = isRecord(v) ? longVolume(v, ip, problems) : shortVolume(v, ip, problems);
    if (r === undefined) return;
    if (r.source !== undefined && !namedVolumeOk(r.source, r.sourcePath, ctx, problems)) return;
    const name = r.source ?? anonymousVolumeName(r.target);
    const first = byName.get(name);
    if (first !== undefined) {
      problems.push({
        path: r.sourcePath,
        target: 'value',
        message:
          r.source !== undefined
            ? `expected a volume not already mounted by this service, found ${quoteText(name)} (also volumes[${first}])`
            : `expected each volume in its own folder of the application's dataset, found ${quoteText(r.target)}, whose folder ${quoteText(name)} is also that of volumes[${first}]: name the volume ("NAME:${r.target}")`,
      });
      return;
    }
    byName.set(name, i);
    mounts.push({ name, mountpoint: r.target });
    origin.push(i);
  });
  // the items without a problem go on (the service is invalid anyway): the entry's own checks
  // (paths, duplicate mountpoints) then report theirs too, every problem at once
  const [only] = mounts;
  if (only === undefined) return undefined;
  return mounts.length === 1 ? { mountpoint: only.mountpoint } : { mounts };
}

/** A named volume is declared (when the file declares any) and used by this service only. */
function namedVolumeOk(
  source: string,
  sourcePath: KeyPath,
  ctx: VolumeContext,
  problems: PathProblem[],
): boolean {
  const { declared, users, service } = ctx;
  if (declared !== null && !declared.has(source)) {
    problems.push({
      path: sourcePath,
      target: 'value',
      message: `expected a volume declared under the top-level volumes:, found ${quoteText(source)}`,
    });
    return false;
  }
  const other = users.get(source);
  if (other !== undefined && other !== service) {
    problems.push({
      path: sourcePath,
      target: 'value',
      message: `expected a volume no other service uses, found ${quoteText(source)}, also used by ${quoteText(other)}: a Flocker volume belongs to one application and moves with it`,
    });
    return false;
  }
  users.set(source, service);
  return true;
}

interface ServiceVolume {
  readonly target: string;
  /** a named volume (absent: anonymous) */
  readonly source?: string;
  readonly sourcePath: KeyPath;
}

function shortVolume(v: unknown, ip: KeyPath, problems: PathProblem[]): ServiceVolume | undefined {
  const bad = (why: string): undefined => {
    problems.push({
      path: ip,
      target: 'value',
      message: `expected a volume "/path" or "name:/path", found ${why}`,
    });
    return undefined;
  };
  if (typeof v !== 'string') return bad(describeValue(v));
  const parts = v.split(':');
  if (parts.length > 3) return bad(`${quoteText(v)}: too many ":"`);
  const opts = parts.length === 3 ? (parts.pop() as string) : undefined;
  if (opts !== undefined) {
    const bads = opts.split(',').filter((o) => o !== 'rw');
    if (bads.length)
      return bad(
        `${quoteText(v)}: volume options other than "rw" are not supported (${bads.includes('ro') ? 'Flocker volumes are always writable' : 'Flocker mounts its dataset itself'})`,
      );
  }
  const target = parts[parts.length - 1] as string;
  if (parts.length === 1) return { target, sourcePath: ip };
  if (parts[0] === '') return bad(`${quoteText(v)}: an empty volume name`);
  return { target, source: parts[0] as string, sourcePath: ip };
}

const LONG_VOLUME_KEYS = ['type', 'source', 'target', 'read_only', 'volume'];

function longVolume(
  v: Record<string, unknown>,
  ip: KeyPath,
  problems: PathProblem[],
): ServiceVolume | undefined {
  const before = problems.length;
  // type: bind never comes here: compose-binds.ts converts it (convertVolumes skips it)
  const type = v['type'];
  if (type !== 'volume')
    problems.push({
      path: type === undefined ? ip : [...ip, 'type'],
      target: type === undefined ? 'parent' : 'value',
      message:
        type === undefined
          ? 'missing required key "type" (write type: volume)'
          : `expected type "volume", found ${describeValue(type)}: Flocker mounts one dataset that moves with the application`,
    });
  for (const k of Object.keys(v)) {
    if (!LONG_VOLUME_KEYS.includes(k))
      problems.push({
        path: [...ip, k],
        target: 'key',
        message: `unsupported volume key ${keyText(k)}; supported keys are: ${LONG_VOLUME_KEYS.join(', ')}`,
      });
  }
  if (v['read_only'] !== undefined && v['read_only'] !== false)
    problems.push({
      path: [...ip, 'read_only'],
      target: 'value',
      message: `expected false, found ${describeValue(v['read_only'])}: Flocker volumes are always writable`,
    });
  const opts = v['volume'];
  if (opts !== undefined && !(isRecord(opts) && Object.keys(opts).length === 0))
    problems.push({
      path: [...ip, 'volume'],
      target: 'value',
      message: 'expected no volume options (Flocker mounts its dataset itself)',
    });
  const target = v['target'];
  if (typeof target !== 'string')
    problems.push({
      path: target === undefined ? ip : [...ip, 'target'],
      target: target === undefined ? 'parent' : 'value',
      message:
        target === undefined
          ? 'missing required key "target" (the path inside the container)'
          : `expected a path, found ${describeValue(target)}`,
    });
  const source = v['source'];
  if (source !== undefined && (typeof source !== 'string' || source === ''))
    problems.push({
      path: [...ip, 'source'],
      target: 'value',
      message: `expected a volume name, found ${describeValue(source)}`,
    });
  if (problems.length > before || typeof target !== 'string') return undefined;
  return typeof source === 'string'
    ? { target, source, sourcePath: [...ip, 'source'] }
    : { target, sourcePath: ip };
}

/** Why an environment variable passed through (`- NAME`, `NAME:`) must be set. */
export const PASS_THROUGH_UNSET = (name: string): string =>
  `expected the variable ${name} to be set in the deploying environment or the .env file, found it unset (a variable passed through is required: write ${name}= for an empty value)`;

/**
 * `environment:` (a "NAME=value" list or a mapping) -> a mapping. `- NAME` and `NAME:` (no
 * value) take the variable from the deploying environment (then .env); unset is a problem.
 * `envOrigin` learns which item each name came from, so later problems point there.
 */
export function convertEnvironment(
  value: unknown,
  kp: KeyPath,
  problems: PathProblem[],
  envOrigin: Map<string, KeyPath>,
  scalarText: (p: KeyPath) => string | undefined = () => undefined,
  lookup: (name: string) => string | undefined = () => undefined,
): Record<string, unknown> | undefined {
  // null prototype: `- __proto__=x` is a variable like any other
  const env = Object.create(null) as Record<string, unknown>;
  const passed = (k: string, ip: KeyPath): void => {
    const v = lookup(k);
    if (v === undefined) problems.push({ path: ip, target: 'value', message: PASS_THROUGH_UNSET(k) });
    else env[k] = v;
  };
  if (Array.isArray(value)) {
    value.forEach((item: unknown, i) => {
      if (typeof item !== 'string' || item === '') {
        problems.push({
          path: [...kp, i],
          target: 'value',
          message: `expected "NAME=value" or "NAME", found ${describeValue(item)}`,
        });
        return;
      }
      const eq = item.indexOf('=');
      const k = eq < 0 ? item : item.slice(0, eq);
      envOrigin.set(k, ['environment', i]);
      if (eq < 0) passed(k, [...kp, i]);
      else env[k] = item.slice(eq + 1);
    });
  } else if (isRecord(value)) {
    for (const [k, v] of Object.entries(value)) {
      envOrigin.set(k, ['environment', k]);
      // Compose accepts numbers here, as written (`01234`, `1.20`, `0x10`, 20 digits): the text,
      // never the number re-printed; booleans are left to the schema
      if (v === null) passed(k, [...kp, k]);
      else env[k] = typeof v === 'number' ? (scalarText([...kp, k]) ?? String(v)) : v;
    }
  } else {
    problems.push({
      path: kp,
      target: 'value',
      message: `expected a list of "NAME=value" strings or a mapping, found ${describeValue(value)}`,
    });
    return undefined;
  }
  return env;
}

/** `mem_limit:` -> bytes. */
export function convertMemLimit(value: unknown, kp: KeyPath, problems: PathProblem[]): number | undefined {
  const r = parseMemLimit(value);
  if (typeof r !== 'string') return r;
  problems.push({ path: kp, target: 'value', message: r });
  return undefined;
}

/** `restart:` -> a Flocker restart_policy. */
export function convertRestart(
  value: unknown,
  kp: KeyPath,
  problems: PathProblem[],
): Record<string, unknown> | undefined {
  const r = parseRestart(value);
  if (typeof r !== 'string') return r;
  problems.push({ path: kp, target: 'value', message: r });
  return undefined;
}

/** Why a compose service key has no Flocker equivalent (said when it is refused). */
const UNSUPPORTED_WHY: Readonly<Record<string, string>> = {
  volumes_from: 'a volume belongs to one application and moves with it; another application cannot mount it',
  extends: 'write the shared keys once with an x- extension field and <<: merge keys',
  deploy:
    'swarm deploy: Flocker places each application on the node the deployment file names; for limits use mem_limit and cpu_shares',
  external_links: 'a link names an application of this file',
  extra_hosts: 'the routing gives every application the same addresses on every node',
  devices: 'a device belongs to one host and cannot follow the application to another node',
  cpus: 'use cpu_shares',
  profiles: 'every application in the file is deployed where the deployment file places it',
  scale: 'an application runs once, on the node the deployment file names',
  logging: 'the logs go to the journal of the node (flocker logs reads them)',
};

/** A service key Flocker has no equivalent for. */
export function unsupportedKey(key: string, kp: KeyPath): PathProblem {
  const why = UNSUPPORTED_WHY[key];
  return {
    path: kp,
    target: 'key',
    message: `unsupported compose key ${keyText(key)}${why ? ` (${why})` : ''}; supported keys are: ${COMPOSE_KEYS.join(', ')}`,
  };
}
