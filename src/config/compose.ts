// Compose-style application files -> Flocker application entries.
//
// Detection (see isComposeDocument): a top-level `services:` key means Compose v2/v3 layout
// (`version:` may be present and is ignored); a top-level mapping with none of `version`,
// `applications`, `services` whose values are all mappings is the fig / Compose v1 layout
// (service name -> service). Anything else is read as a Flocker `version: 1` file.
//
// Each converted entry keeps an origin map so that problems found later on the Flocker entry
// (schema, semantic and cross-application checks) point at the compose text they came from.
import { APP_NAME_PATTERN, APP_NAME_RULE } from './schema.js';
import type { PathProblem } from './schema.js';
import {
  COMPOSE_KEYS,
  convertEnvironment,
  convertMemLimit,
  convertPorts,
  convertRestart,
  convertVolumes,
  isRecord,
  unsupportedKey,
} from './compose-keys.js';
import { resolveLinks } from './compose-links.js';
import type { LinkingService, PendingLinks } from './compose-links.js';
import { describeValue } from './yaml-source.js';
import { keyText } from '../validation/echo.js';
import type { KeyPath, PathSegment } from './yaml-source.js';

const COMPOSE_TOP_KEYS = ['version', 'services'];
const APP_NAME_RE = new RegExp(APP_NAME_PATTERN);

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

type Converting = ConvertedService & LinkingService;

export interface ComposeResult {
  readonly services: ConvertedService[];
  /** every service name in the file, convertible or not */
  readonly names: string[];
  /** problems with file paths */
  readonly problems: PathProblem[];
}

/** Convert the services of a compose document. */
export function convertCompose(
  doc: Record<string, unknown>,
  scalarText: ScalarText = () => undefined,
): ComposeResult {
  const problems: PathProblem[] = [];
  const found = findServices(doc, problems);
  if (found === undefined) return { services: [], names: [], problems };
  const converted: Converting[] = [];
  // links need every service's ports: first convert, then resolve links
  const pendingLinks: PendingLinks[] = [];
  for (const [name, svc] of Object.entries(found.services)) {
    const before = problems.length;
    const c = convertService(name, svc, [...found.prefix, name], problems, pendingLinks, scalarText);
    if (c) {
      c.failed = problems.length > before;
      converted.push(c);
    }
  }
  const byName = new Map(converted.map((c) => [c.name, c]));
  for (const p of pendingLinks) {
    const before = problems.length;
    resolveLinks([p], byName, problems);
    if (problems.length > before) (p.svc as Converting).failed = true;
  }
  return { services: converted, names: Object.keys(found.services), problems };
}

/** The services mapping: under `services:` (v2/v3, other top-level keys refused) or the document (v1). */
function findServices(
  doc: Record<string, unknown>,
  problems: PathProblem[],
): { services: Record<string, unknown>; prefix: PathSegment[] } | undefined {
  if (!Object.hasOwn(doc, 'services')) return { services: doc, prefix: [] };
  for (const k of Object.keys(doc)) {
    if (!COMPOSE_TOP_KEYS.includes(k)) {
      problems.push({
        path: [k],
        target: 'key',
        message: `unsupported compose top-level key ${keyText(k)}; supported keys are: ${COMPOSE_TOP_KEYS.join(', ')}`,
      });
    }
  }
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
  problems: PathProblem[],
  pendingLinks: PendingLinks[],
  scalarText: ScalarText,
): Converting | undefined {
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
  const envOrigin = new Map<string, PathSegment>();
  const linkOrigin: number[] = [];
  const portOrigin: number[] = [];
  const c: Converting = {
    name,
    path,
    entry,
    origin: originOf(path, envOrigin, linkOrigin, portOrigin),
    linkOrigin,
    failed: false,
  };
  const set = (key: string, v: unknown): void => {
    if (v !== undefined) entry[key] = v;
  };
  for (const [key, value] of Object.entries(svc)) {
    const kp = [...path, key];
    switch (key) {
      case 'image':
      case 'cpu_shares':
        entry[key] = value;
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
      case 'volumes':
        set('volume', convertVolumes(value, kp, problems));
        break;
      case 'environment':
        set('environment', convertEnvironment(value, kp, problems, envOrigin, scalarText));
        break;
      case 'links':
        pendingLinks.push({ svc: c, links: value, path: kp });
        entry['links'] = [];
        break;
      default:
        problems.push(unsupportedKey(key, kp));
    }
  }
  return c;
}

/** Entry-relative path -> the compose text it came from (renamed keys, reordered items). */
function originOf(
  path: KeyPath,
  envOrigin: ReadonlyMap<string, PathSegment>,
  linkOrigin: readonly number[],
  portOrigin: readonly number[],
): (p: KeyPath) => KeyPath {
  return (p) => {
    const [head, second] = p;
    switch (head) {
      case undefined:
        return path;
      case 'ports':
        return second === undefined
          ? [...path, 'ports']
          : [...path, 'ports', portOrigin[second as number] ?? second];
      case 'links':
        return second === undefined
          ? [...path, 'links']
          : [...path, 'links', linkOrigin[second as number] ?? second];
      case 'volume':
        return [...path, 'volumes', 0];
      case 'environment':
        return second === undefined
          ? [...path, 'environment']
          : [...path, 'environment', envOrigin.get(String(second)) ?? second];
      case 'restart_policy':
        return [...path, 'restart'];
      default:
        return [...path, head];
    }
  };
}
