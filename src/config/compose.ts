// Compose-style application files -> Flocker application entries.
//
// Detection (see isComposeDocument): a top-level `services:` key means Compose v2/v3 layout
// (`version:` may be present and is ignored); a top-level mapping with none of `version`,
// `applications`, `services` whose values are all mappings is the fig / Compose v1 layout
// (service name -> service). Anything else is read as a Flocker `version: 1` file.
//
// Each converted entry keeps an origin map so that problems found later on the Flocker entry
// (schema, semantic and cross-application checks) point at the compose text they came from.
//
// Before conversion every string value of the services and volumes is interpolated ($VAR,
// ${VAR:-default}, ... see compose-interpolate.ts) from the deploying environment and the .env
// file, which come in through ComposeInputs; `x-` extension fields are dropped (their use is
// through YAML anchors and merge keys, applied by yaml-build.ts). The supported subset, key by
// key, and why the rest is refused: docs/compose.md.
import { APP_NAME_PATTERN, APP_NAME_RULE } from './schema.js';
import type { PathProblem } from './schema.js';
import {
  COMPOSE_KEYS,
  convertEnvironment,
  convertMemLimit,
  convertPorts,
  convertRestart,
  convertVolumeDeclarations,
  convertVolumes,
  isRecord,
  unsupportedKey,
} from './compose-keys.js';
import type { VolumeContext } from './compose-keys.js';
import {
  checkContainerName,
  checkExpose,
  composeInt,
  convertArgv,
  convertDependsOn,
  convertHealthcheck,
} from './compose-run-keys.js';
import type { Dependency } from './compose-run-keys.js';
import {
  checkDefaultOnly,
  checkPlatform,
  convertBool,
  convertCaps,
  convertHostname,
  convertLabels,
  convertStopGrace,
  convertStopSignal,
  convertSysctls,
  convertTmpfs,
  convertUlimits,
  convertUser,
  convertWorkingDir,
} from './compose-runtime-keys.js';
import { NO_INPUTS, composeLookup, convertEnvFiles } from './compose-inputs.js';
import type { ComposeInputs } from './compose-inputs.js';
import { interpolate } from './compose-interpolate.js';
import type { Lookup } from './compose-interpolate.js';
import type { InputProblem } from '../errors.js';
import { addImplicitLinks, resolveLinks } from './compose-links.js';
import type { LinkingService, PendingLinks } from './compose-links.js';
import { describeValue } from './yaml-source.js';
import { convertBinds } from './compose-binds.js';
import { CONFIG_KIND, convertSecretDeclarations, convertServiceSecrets } from './compose-secrets.js';
import type { MountKind, SecretDeclarations } from './compose-secrets.js';
// ---- issue 13 item 4 (networks) ----
import {
  DEFAULT_NETWORK,
  allocateNetworkPorts,
  convertNetworkDeclarations,
  linkNetworks,
  convertServiceNetworks,
  exposedPorts,
} from './compose-networks.js';
import type { NetworkDeclarations, ServiceNetworks } from './compose-networks.js';
import { buildImageName, convertBuild } from './compose-build.js';
import { keyText, quoteText } from '../validation/echo.js';
import type { KeyPath, PathSegment } from './yaml-source.js';

const COMPOSE_TOP_KEYS = ['version', 'name', 'services', 'volumes', 'secrets', 'configs', 'networks'];
const TOP_REFUSED: Readonly<Record<string, string>> = {
  include: 'write one file',
};
const isExtension = (k: string): boolean => k.startsWith('x-');
const APP_NAME_RE = new RegExp(APP_NAME_PATTERN);
/** compose's rule for project names */
const PROJECT_NAME_RE = /^[a-z0-9][a-z0-9_-]*$/;

export function isComposeDocument(doc: unknown): boolean {
  if (!isRecord(doc)) return false;
  if (Object.hasOwn(doc, 'services')) return true;
  if (Object.hasOwn(doc, 'version') || Object.hasOwn(doc, 'applications')) return false;
  const values = Object.values(doc);
  return values.length > 0 && values.every(isRecord);
}

export interface ConvertedService {
  readonly name: string;
  /** where the service is in the file (its key) */
  readonly path: KeyPath;
  /** the Flocker entry (not yet schema-checked) */
  readonly entry: Record<string, unknown>;
  /** entry-relative path -> file path */
  readonly origin: (p: KeyPath) => KeyPath;
  /** the conversion found a problem in this service */
  failed: boolean;
}

/** The text a scalar at a file path was written as (compose environment values keep it). */
export type ScalarText = (path: KeyPath) => string | undefined;

type Converting = ConvertedService &
  LinkingService & {
    dependencies: Dependency[];
    wroteHealthcheck: boolean;
    // networks (issue 13 item 4): its networks (default: `default`) and `expose:` ports
    networks: ServiceNetworks;
    expose: number[];
  };

export interface ComposeResult {
  readonly services: ConvertedService[];
  /** every service name in the file, convertible or not */
  readonly names: string[];
  /** problems with file paths */
  readonly problems: PathProblem[];
  /** problems in other files (.env, env_file), positioned there */
  readonly fileProblems: InputProblem[];
  /** values whose interpolation failed: no other problem is reported at or below them */
  readonly failedValues: KeyPath[];
}

/** What one service's conversion reads besides its value. */
interface ServiceContext {
  readonly problems: PathProblem[];
  readonly fileProblems: InputProblem[];
  readonly pendingLinks: PendingLinks[];
  readonly scalarText: ScalarText;
  readonly inputs: ComposeInputs;
  readonly lookup: Lookup;
  readonly declaredVolumes: ReadonlySet<string> | null;
  readonly volumeUsers: Map<string, string>;
  /** top-level secrets (issue 13); null when the file declares none */
  readonly secrets: SecretDeclarations | null;
  /** top-level configs, delivered like secrets; null when the file declares none */
  readonly configs: SecretDeclarations | null;
  readonly declaredNetworks: NetworkDeclarations;
}

/** Convert the services of a compose document. */
export function convertCompose(
  doc: Record<string, unknown>,
  scalarText: ScalarText = () => undefined,
  inputs: ComposeInputs = NO_INPUTS,
): ComposeResult {
  const problems: PathProblem[] = [];
  const fileProblems: InputProblem[] = [];
  const failedValues: KeyPath[] = [];
  const result = (services: ConvertedService[], names: string[]): ComposeResult => ({
    services,
    names,
    problems,
    fileProblems,
    failedValues,
  });
  const found = findServices(doc, problems);
  if (found === undefined) return result([], []);
  const lookup = composeLookup(inputs, fileProblems);
  const interp = (v: unknown, path: KeyPath): unknown =>
    interpolateTree(v, path, lookup, problems, failedValues);
  let declaredVolumes: Set<string> | null = null;
  if (found.prefix.length && Object.hasOwn(doc, 'volumes')) {
    declaredVolumes = convertVolumeDeclarations(interp(doc['volumes'], ['volumes']), ['volumes'], problems);
  }
  // top-level secrets and configs (issue 13): declared alike, null when the file has none
  const declarations = (key: 'secrets' | 'configs', kind?: MountKind): SecretDeclarations | null =>
    found.prefix.length && Object.hasOwn(doc, key)
      ? convertSecretDeclarations(interp(doc[key], [key]), [key], problems, inputs.project, lookup, kind)
      : null;
  const secrets = declarations('secrets');
  const configs = declarations('configs', CONFIG_KIND);
  const declaredNetworks = convertNetworkDeclarations(
    found.prefix.length && Object.hasOwn(doc, 'networks') ? interp(doc['networks'], ['networks']) : null,
    ['networks'],
    problems,
  );
  const ctx: ServiceContext = {
    declaredNetworks,
    secrets,
    configs,
    problems,
    fileProblems,
    pendingLinks: [],
    scalarText,
    inputs,
    lookup,
    declaredVolumes,
    volumeUsers: new Map(),
  };
  const converted: Converting[] = [];
  // links need every service's ports: first convert, then resolve links
  const names: string[] = [];
  for (const [name, svc] of Object.entries(found.services)) {
    if (isExtension(name)) continue;
    names.push(name);
    const path = [...found.prefix, name];
    const before = problems.length + fileProblems.length;
    const c = convertService(name, interp(svc, path), path, ctx);
    if (c) {
      c.failed = problems.length + fileProblems.length > before;
      converted.push(c);
    }
  }
  const byName = new Map(converted.map((c) => [c.name, c]));
  // networks: first the ports every service reached over a network needs (explicit links may
  // name one), then, after the explicit links, every service reaches the services of its networks
  // by name (compose's `default` included; the v1 layout has no networks: only its links)
  const networkPorts = found.prefix.length ? allocateNetworkPorts(converted, problems) : undefined;
  for (const p of ctx.pendingLinks) {
    const before = problems.length;
    resolveLinks([p], byName, problems);
    if (problems.length > before) (p.svc as Converting).failed = true;
  }
  if (networkPorts) linkNetworks(networkPorts);
  for (const c of converted)
    addImplicitLinks(
      c,
      c.dependencies.map((d) => d.name),
      byName,
    );
  for (const c of converted) {
    for (const d of c.dependencies) {
      if (d.condition !== 'service_healthy') continue;
      const other = byName.get(d.name);
      if (!other) continue; // an unknown name is reported with the other depends_on checks
      const hc = other.entry['healthcheck'];
      const test = isRecord(hc) && Array.isArray(hc['test']) ? (hc['test'] as unknown[]) : [];
      if (test.length > 0 && test[0] !== 'NONE') continue;
      if (other.wroteHealthcheck && !isRecord(hc)) continue; // its healthcheck has a problem of its own
      problems.push({
        path: [...d.path, ...(typeof d.seg === 'string' ? ['condition'] : [])],
        target: 'value',
        message: `expected ${quoteText(d.name)} to have a healthcheck (condition: service_healthy waits until its check passes), found ${test[0] === 'NONE' ? 'its check disabled' : 'none'}`,
      });
      c.failed = true;
    }
  }
  return result(converted, names);
}

/** A copy of `v` with every string interpolated; failures are problems at their value. */
function interpolateTree(
  v: unknown,
  path: KeyPath,
  lookup: Lookup,
  problems: PathProblem[],
  failed: KeyPath[],
): unknown {
  if (typeof v === 'string') {
    const r = interpolate(v, lookup);
    if ('value' in r) return r.value;
    problems.push({ path, target: 'value', message: r.problem });
    failed.push(path);
    return v;
  }
  if (Array.isArray(v))
    return v.map((x: unknown, i) => interpolateTree(x, [...path, i], lookup, problems, failed));
  if (isRecord(v)) {
    const out = Object.create(null) as Record<string, unknown>;
    for (const [k, x] of Object.entries(v))
      out[k] = interpolateTree(x, [...path, k], lookup, problems, failed);
    return out;
  }
  return v;
}

/** The services mapping: under `services:` (v2/v3, other top-level keys refused) or the document (v1). */
function findServices(
  doc: Record<string, unknown>,
  problems: PathProblem[],
): { services: Record<string, unknown>; prefix: PathSegment[] } | undefined {
  if (!Object.hasOwn(doc, 'services')) return { services: doc, prefix: [] };
  for (const k of Object.keys(doc)) {
    if (!COMPOSE_TOP_KEYS.includes(k) && !isExtension(k)) {
      const why = TOP_REFUSED[k];
      problems.push({
        path: [k],
        target: 'key',
        message: `unsupported compose top-level key ${keyText(k)}${why ? ` (${why})` : ''}; supported keys are: ${COMPOSE_TOP_KEYS.join(', ')} and x- extension fields`,
      });
    }
  }
  // top-level name: the project's name; Flocker names each application after its service
  const projectName = doc['name'];
  if (projectName !== undefined && (typeof projectName !== 'string' || !PROJECT_NAME_RE.test(projectName)))
    problems.push({
      path: ['name'],
      target: 'value',
      message: `expected a project name of lowercase letters, digits, "_" or "-", starting with a letter or digit, found ${describeValue(projectName)}`,
    });
  const s = doc['services'];
  if (!isRecord(s)) {
    problems.push({
      path: ['services'],
      target: 'value',
      message: `expected a mapping of service names to services, found ${describeValue(s)}`,
    });
    return undefined;
  }
  return { services: s, prefix: ['services'] };
}

/** One service -> a Flocker entry, or undefined when it is not a mapping. */
function convertService(
  name: string,
  svc: unknown,
  path: KeyPath,
  ctx: ServiceContext,
): Converting | undefined {
  const { problems } = ctx;
  if (!APP_NAME_RE.test(name)) {
    problems.push({
      path,
      target: 'key',
      message: `expected ${APP_NAME_RULE}, found ${keyText(name)}`,
    });
  }
  if (!isRecord(svc)) {
    problems.push({
      path,
      target: 'value',
      message: `expected a mapping of compose service keys (${COMPOSE_KEYS.join(', ')}), found ${describeValue(svc)}`,
    });
    return undefined;
  }
  const entry = Object.create(null) as Record<string, unknown>;
  const envOrigin = new Map<string, KeyPath>();
  const linkOrigin: number[] = [];
  const portOrigin: number[] = [];
  const depOrigin: PathSegment[] = [];
  const volumeOrigin: number[] = [];
  const c: Converting = {
    name,
    path,
    entry,
    origin: originOf(path, { envOrigin, linkOrigin, portOrigin, depOrigin, volumeOrigin }),
    linkOrigin,
    linkTargets: [],
    failed: false,
    dependencies: [],
    wroteHealthcheck: Object.hasOwn(svc, 'healthcheck'),
    networks: new Map([[DEFAULT_NETWORK, []]]),
    expose: [],
  };
  const set = (key: string, v: unknown): void => {
    if (v !== undefined) entry[key] = v;
  };
  const volumes: VolumeContext = { declared: ctx.declaredVolumes, users: ctx.volumeUsers, service: name };
  let fromFiles: Record<string, string> | undefined;
  for (const [key, value] of Object.entries(svc)) {
    const kp = [...path, key];
    switch (key) {
      case 'image':
        entry[key] = value;
        break;
      case 'cpu_shares':
        entry[key] = composeInt(value);
        break;
      case 'mem_limit':
        set('mem_limit', convertMemLimit(value, kp, problems));
        break;
      case 'restart':
        set('restart_policy', convertRestart(value, kp, problems));
        break;
      case 'ports':
        set('ports', convertPorts(value, kp, problems, portOrigin));
        break;
      case 'expose':
        checkExpose(value, kp, problems);
        c.expose = exposedPorts(value);
        break;
      case 'networks':
        c.networks = convertServiceNetworks(value, kp, problems, ctx.declaredNetworks);
        break;
      case 'volumes':
        set('volume', convertVolumes(value, kp, problems, volumes, volumeOrigin));
        set('files', convertBinds(value, kp, problems, ctx.inputs.project));
        break;
      case 'secrets':
      case 'configs': {
        // both are files the node writes and docker mounts read-only: one field of the app
        const mounts = convertServiceSecrets(
          value,
          kp,
          problems,
          key === 'secrets' ? ctx.secrets : ctx.configs,
          ctx.scalarText,
          key === 'secrets' ? undefined : CONFIG_KIND,
        );
        const before = isRecord(entry['secrets']) ? entry['secrets'] : {};
        for (const t of Object.keys(mounts ?? {}))
          if (Object.hasOwn(before, t))
            problems.push({
              path: kp,
              target: 'value',
              message: `expected each container path mounted once, found ${quoteText(t)} in secrets and in configs`,
            });
        if (mounts) set('secrets', { ...before, ...mounts });
        break;
      }
      case 'environment':
        set('environment', convertEnvironment(value, kp, problems, envOrigin, ctx.scalarText, ctx.lookup));
        break;
      case 'env_file':
        fromFiles = convertEnvFiles(value, kp, problems, ctx.fileProblems, ctx.inputs, ctx.lookup, envOrigin);
        break;
      case 'links':
        ctx.pendingLinks.push({ svc: c, links: value, path: kp });
        entry['links'] = [];
        break;
      case 'command':
      case 'entrypoint':
        set(key, convertArgv(value, kp, problems, key));
        break;
      case 'healthcheck':
        set('healthcheck', convertHealthcheck(value, kp, problems));
        break;
      case 'depends_on': {
        const deps = convertDependsOn(value, kp, problems);
        c.dependencies = deps;
        for (const d of deps) depOrigin.push(d.seg);
        entry['depends_on'] = deps.map((d) => d.name);
        break;
      }
      case 'container_name':
        checkContainerName(value, name, kp, problems);
        break;
      // ---- issue 13, runtime keys ----
      case 'hostname':
        set(key, convertHostname(value, kp, problems));
        break;
      case 'user':
        set(key, convertUser(value, kp, problems));
        break;
      case 'cap_add':
      case 'cap_drop':
        set(key, convertCaps(value, kp, problems));
        break;
      case 'labels':
        set(key, convertLabels(value, kp, problems));
        break;
      case 'stop_signal':
        set(key, convertStopSignal(value, kp, problems));
        break;
      case 'working_dir':
        set(key, convertWorkingDir(value, kp, problems));
        break;
      case 'stop_grace_period':
        set('stop_grace_period_seconds', convertStopGrace(value, kp, problems));
        break;
      case 'tmpfs':
        set(key, convertTmpfs(value, kp, problems));
        break;
      case 'ulimits':
        set(key, convertUlimits(value, kp, problems));
        break;
      case 'sysctls':
        set(key, convertSysctls(value, kp, problems));
        break;
      case 'tty':
        if (convertBool(value, kp, problems) === true) entry['tty'] = true;
        break;
      case 'stdin_open':
        // accepted, nothing carried: under systemd the container's input is /dev/null anyway
        convertBool(value, kp, problems);
        break;
      case 'platform':
        checkPlatform(value, kp, problems);
        break;
      case 'network_mode':
      case 'runtime':
      case 'privileged':
        checkDefaultOnly(key, value, kp, problems);
        break;
      case 'build': // issue 13 item 1
        set('build', convertBuild(value, kp, problems, ctx.inputs));
        if (!Object.hasOwn(svc, 'image')) entry['image'] = buildImageName(ctx.inputs.dir, name);
        break;
      default:
        if (!isExtension(key)) problems.push(unsupportedKey(key, kp));
    }
  }
  mountClashes(entry, path, problems);
  if (fromFiles !== undefined) {
    // environment: wins over the files (compose's order)
    const env = isRecord(entry['environment']) ? entry['environment'] : {};
    const merged = Object.create(null) as Record<string, unknown>;
    for (const [k, v] of Object.entries(fromFiles)) merged[k] = v;
    for (const [k, v] of Object.entries(env)) merged[k] = v;
    entry['environment'] = merged;
  }
  return c;
}

/** issue 13: docker refuses two mounts at one container path (volume, project files, secrets). */
function mountClashes(entry: Record<string, unknown>, path: KeyPath, problems: PathProblem[]): void {
  const seen = new Map<string, string>();
  const vol = entry['volume'];
  if (isRecord(vol) && typeof vol['mountpoint'] === 'string') seen.set(vol['mountpoint'], 'volumes');
  if (isRecord(vol) && Array.isArray(vol['mounts']))
    for (const m of vol['mounts'] as unknown[])
      if (isRecord(m) && typeof m['mountpoint'] === 'string') seen.set(m['mountpoint'], 'volumes');
  for (const key of ['files', 'secrets'] as const) {
    const m = entry[key];
    if (!isRecord(m)) continue;
    for (const target of Object.keys(m)) {
      const other = seen.get(target);
      if (other !== undefined)
        problems.push({
          path: [...path, key === 'files' ? 'volumes' : 'secrets'],
          target: 'value',
          message: `expected each container path mounted once, found ${quoteText(target)} in ${other} and in ${key === 'files' ? 'volumes' : 'secrets'}`,
        });
      seen.set(target, key === 'files' ? 'volumes' : 'secrets');
    }
  }
}

interface Origins {
  /** variable name -> where it is written, relative to the service */
  readonly envOrigin: ReadonlyMap<string, KeyPath>;
  readonly linkOrigin: readonly number[];
  readonly portOrigin: readonly number[];
  readonly depOrigin: readonly PathSegment[];
  /** `volume.mounts` item -> its `volumes` item (issue 13 item 2) */
  readonly volumeOrigin: readonly number[];
}

/** Entry-relative path -> the compose text it came from (renamed keys, reordered items). */
function originOf(path: KeyPath, o: Origins): (p: KeyPath) => KeyPath {
  return (p) => {
    const [head, second] = p;
    switch (head) {
      case undefined:
        return path;
      case 'ports':
        return second === undefined
          ? [...path, 'ports']
          : [...path, 'ports', o.portOrigin[second as number] ?? second];
      case 'links':
        return second === undefined
          ? [...path, 'links']
          : [...path, 'links', o.linkOrigin[second as number] ?? second];
      case 'depends_on':
        return second === undefined
          ? [...path, 'depends_on']
          : [...path, 'depends_on', o.depOrigin[second as number] ?? second];
      case 'volume': {
        // volume.mounts[i]... -> volumes[origin of i]; one volume: volumes[its item]
        const i = p[1] === 'mounts' && typeof p[2] === 'number' ? p[2] : 0;
        return [...path, 'volumes', o.volumeOrigin[i] ?? i];
      }
      case 'environment': {
        if (second === undefined) return [...path, 'environment'];
        const from = o.envOrigin.get(String(second));
        return from ? [...path, ...from] : [...path, 'environment', second];
      }
      case 'restart_policy':
        return [...path, 'restart'];
      case 'files':
        return [...path, 'volumes'];
      case 'stop_grace_period_seconds':
        return [...path, 'stop_grace_period'];
      default:
        return [...path, head];
    }
  };
}
