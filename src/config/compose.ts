// Compose-style application files -> Flocker application entries.
//
// Detection (see isComposeDocument): a top-level `services:` key means Compose v2/v3 layout
// (`version:` may be present and is ignored); a top-level mapping with none of `version`,
// `applications`, `services` whose values are all mappings is the fig / Compose v1 layout
// (service name -> service). Anything else is read as a Flocker `version: 1` file.
//
// Each converted entry keeps an origin map so that problems found later on the Flocker entry
// (schema, semantic and cross-application checks) point at the compose text they came from.
import type { Link, PortMapping } from '../model/application.js';
import { APP_NAME_PATTERN, APP_NAME_RULE } from './schema.js';
import type { PathProblem } from './schema.js';
import { describeValue } from './yaml-source.js';
import type { KeyPath, PathSegment } from './yaml-source.js';

export const COMPOSE_KEYS = [
  'image',
  'ports',
  'links',
  'volumes',
  'environment',
  'mem_limit',
  'cpu_shares',
  'restart',
];
export const COMPOSE_TOP_KEYS = ['version', 'services'];

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

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
}

interface Converting extends ConvertedService {
  /** index in the Flocker links list -> index in the compose links list */
  readonly linkOrigin: number[];
}

export interface ComposeResult {
  readonly services: ConvertedService[];
  /** every service name in the file, convertible or not */
  readonly names: string[];
  /** problems with file paths */
  readonly problems: PathProblem[];
}

const PORT_RE = /^[0-9]{1,5}$/;

function parsePortNumber(s: string): number | null {
  if (!PORT_RE.test(s)) return null;
  const n = Number(s);
  return n >= 1 && n <= 65535 ? n : null;
}

/** "8080:80" (optionally "/tcp") -> mapping, or the reason it is not acceptable. */
export function parseComposePort(v: unknown): PortMapping | string {
  const expected = 'expected "EXTERNAL:INTERNAL" with ports from 1 to 65535 (e.g. "8080:80")';
  if (typeof v === 'number') {
    return `${expected}, found the number ${v}: an external port is required (write "${v}:${v}" to use the same port)`;
  }
  if (typeof v !== 'string') return `${expected}, found ${describeValue(v)}`;
  let s = v.trim();
  const slash = s.indexOf('/');
  if (slash >= 0) {
    const proto = s.slice(slash + 1);
    if (proto !== 'tcp') return `${expected}, found ${JSON.stringify(v)}: only TCP ports are supported`;
    s = s.slice(0, slash);
  }
  if (s.includes('-')) return `${expected}, found ${JSON.stringify(v)}: port ranges are not supported`;
  const parts = s.split(':');
  if (parts.length === 1) {
    return `${expected}, found ${JSON.stringify(v)}: an external port is required (write "${s}:${s}" to use the same port)`;
  }
  if (parts.length > 2) {
    return `${expected}, found ${JSON.stringify(v)}: binding to a host address is not supported (every node answers on the external port)`;
  }
  const ext = parsePortNumber(parts[0] as string);
  const int = parsePortNumber(parts[1] as string);
  if (ext === null || int === null) return `${expected}, found ${JSON.stringify(v)}`;
  return { external: ext, internal: int };
}

const MEM_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
};

/** 67108864, "64m", "1g", "512k", "100b" -> bytes; other values -> the reason. */
export function parseMemLimit(v: unknown): number | string {
  const expected =
    'expected a memory size greater than 0: a number of bytes or a string like "64m", "512k" or "1g"';
  if (typeof v === 'number') {
    return Number.isSafeInteger(v) && v > 0 ? v : `${expected}, found the number ${v}`;
  }
  if (typeof v !== 'string') return `${expected}, found ${describeValue(v)}`;
  const m = /^([0-9]+)\s*([a-zA-Z]*)$/.exec(v.trim());
  const unit = m ? MEM_UNITS[(m[2] as string).toLowerCase()] : undefined;
  if (!m || unit === undefined) return `${expected}, found ${JSON.stringify(v)}`;
  const n = Number(m[1]) * unit;
  if (!Number.isSafeInteger(n) || n <= 0) return `${expected}, found ${JSON.stringify(v)}`;
  return n;
}

/** "no" | "always" | "on-failure" | "on-failure:N" -> restart policy. */
export function parseRestart(v: unknown): Record<string, unknown> | string {
  const expected = 'expected one of "no", "always", "on-failure" or "on-failure:N"';
  if (typeof v !== 'string') return `${expected}, found ${describeValue(v)}`;
  if (v === 'no') return { name: 'never' };
  if (v === 'always') return { name: 'always' };
  if (v === 'on-failure') return { name: 'on-failure' };
  const m = /^on-failure:([0-9]{1,9})$/.exec(v);
  if (m) return { name: 'on-failure', maximum_retry_count: Number(m[1]) };
  if (v === 'unless-stopped') return `${expected}, found "unless-stopped", which is not supported`;
  return `${expected}, found ${JSON.stringify(v)}`;
}

/** Convert the services of a compose document. */
export function convertCompose(doc: Record<string, unknown>): ComposeResult {
  const problems: PathProblem[] = [];
  let servicesPrefix: PathSegment[] = [];
  let services: Record<string, unknown>;
  if (Object.hasOwn(doc, 'services')) {
    servicesPrefix = ['services'];
    for (const k of Object.keys(doc)) {
      if (!COMPOSE_TOP_KEYS.includes(k)) {
        problems.push({
          path: [k],
          target: 'key',
          message: `unsupported compose top-level key ${JSON.stringify(k)}; supported keys are: ${COMPOSE_TOP_KEYS.join(', ')}`,
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
      return { services: [], names: [], problems };
    }
    services = s;
  } else {
    services = doc;
  }

  const converted: Converting[] = [];
  // links need every service's ports: first convert, then resolve links
  const pendingLinks: { svc: Converting; links: unknown; path: KeyPath }[] = [];
  for (const [name, svc] of Object.entries(services)) {
    const path = [...servicesPrefix, name];
    if (!new RegExp(APP_NAME_PATTERN).test(name)) {
      problems.push({
        path,
        target: 'key',
        message: `expected ${APP_NAME_RULE}, found ${JSON.stringify(name)}`,
      });
    }
    if (!isRecord(svc)) {
      problems.push({
        path,
        target: 'value',
        message: `expected a mapping of compose service keys (${COMPOSE_KEYS.join(', ')}), found ${describeValue(svc)}`,
      });
      continue;
    }
    const entry: Record<string, unknown> = {};
    const envOrigin = new Map<string, PathSegment>();
    const linkOrigin: number[] = [];
    const origin = (p: KeyPath): KeyPath => {
      const [head, second] = p;
      switch (head) {
        case undefined:
          return path;
        case 'ports':
          return second === undefined ? [...path, 'ports'] : [...path, 'ports', second];
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
    const c: Converting = { name, path, entry, origin, linkOrigin };

    for (const [key, value] of Object.entries(svc)) {
      const kp = [...path, key];
      switch (key) {
        case 'image':
        case 'cpu_shares':
          entry[key] = value;
          break;
        case 'mem_limit': {
          const r = parseMemLimit(value);
          if (typeof r === 'string') problems.push({ path: kp, target: 'value', message: r });
          else entry['mem_limit'] = r;
          break;
        }
        case 'restart': {
          const r = parseRestart(value);
          if (typeof r === 'string') problems.push({ path: kp, target: 'value', message: r });
          else entry['restart_policy'] = r;
          break;
        }
        case 'ports': {
          if (!Array.isArray(value)) {
            problems.push({
              path: kp,
              target: 'value',
              message: `expected a list of "EXTERNAL:INTERNAL" strings, found ${describeValue(value)}`,
            });
            break;
          }
          const ports: PortMapping[] = [];
          value.forEach((p: unknown, i) => {
            const r = parseComposePort(p);
            if (typeof r === 'string') problems.push({ path: [...kp, i], target: 'value', message: r });
            else ports.push(r);
          });
          entry['ports'] = ports;
          break;
        }
        case 'volumes': {
          if (!Array.isArray(value)) {
            problems.push({
              path: kp,
              target: 'value',
              message: `expected a list with one volume ("/path" or "name:/path"), found ${describeValue(value)}`,
            });
            break;
          }
          if (value.length > 1) {
            problems.push({
              path: [...kp, 1],
              target: 'value',
              message: `expected at most one volume per application (Flocker moves one dataset with each application), found ${value.length}`,
            });
            break;
          }
          const v: unknown = value[0];
          if (v === undefined) break;
          if (typeof v !== 'string') {
            problems.push({
              path: [...kp, 0],
              target: 'value',
              message: `expected a volume "/path" or "name:/path", found ${describeValue(v)}`,
            });
            break;
          }
          const parts = v.split(':');
          if (parts.length > 2) {
            problems.push({
              path: [...kp, 0],
              target: 'value',
              message: `expected a volume "/path" or "name:/path", found ${JSON.stringify(v)}: volume options (like ":ro") are not supported`,
            });
            break;
          }
          if (parts.length === 2 && /^[./~]/.test(parts[0] as string)) {
            problems.push({
              path: [...kp, 0],
              target: 'value',
              message: `expected a volume "/path" or "name:/path", found ${JSON.stringify(v)}: host directories cannot be mounted (Flocker manages the volume)`,
            });
            break;
          }
          entry['volume'] = { mountpoint: parts[parts.length - 1] as string };
          break;
        }
        case 'environment': {
          const env: Record<string, unknown> = {};
          if (Array.isArray(value)) {
            value.forEach((item: unknown, i) => {
              if (typeof item !== 'string' || !item.includes('=')) {
                problems.push({
                  path: [...kp, i],
                  target: 'value',
                  message: `expected "NAME=value", found ${describeValue(item)}`,
                });
                return;
              }
              const eq = item.indexOf('=');
              const k = item.slice(0, eq);
              env[k] = item.slice(eq + 1);
              envOrigin.set(k, i);
            });
          } else if (isRecord(value)) {
            for (const [k, v] of Object.entries(value)) {
              // Compose accepts numbers here; booleans and empty values are left to the schema
              env[k] = typeof v === 'number' ? String(v) : v;
            }
          } else {
            problems.push({
              path: kp,
              target: 'value',
              message: `expected a list of "NAME=value" strings or a mapping, found ${describeValue(value)}`,
            });
            break;
          }
          entry['environment'] = env;
          break;
        }
        case 'links':
          pendingLinks.push({ svc: c, links: value, path: kp });
          entry['links'] = [];
          break;
        default:
          problems.push({
            path: kp,
            target: 'key',
            message: `unsupported compose key ${JSON.stringify(key)}; supported keys are: ${COMPOSE_KEYS.join(', ')}`,
          });
      }
    }
    converted.push(c);
  }

  const byName = new Map(converted.map((c) => [c.name, c]));
  for (const { svc, links, path } of pendingLinks) {
    if (!Array.isArray(links)) {
      problems.push({
        path,
        target: 'value',
        message: `expected a list of "service" or "service:alias" strings, found ${describeValue(links)}`,
      });
      continue;
    }
    const out: Link[] = [];
    const linkOrigin = svc.linkOrigin;
    links.forEach((l: unknown, i) => {
      const ip = [...path, i];
      if (typeof l !== 'string' || l.split(':').length > 2 || l.startsWith(':') || l.endsWith(':')) {
        problems.push({
          path: ip,
          target: 'value',
          message: `expected "service" or "service:alias", found ${describeValue(l)}`,
        });
        return;
      }
      const [target, alias] = l.split(':') as [string, string | undefined];
      const other = byName.get(target);
      if (!other) {
        problems.push({
          path: ip,
          target: 'value',
          message: `expected the name of another service in this file, found ${JSON.stringify(target)}`,
        });
        return;
      }
      const ports = other.entry['ports'];
      const n = Array.isArray(ports) ? ports.length : 0;
      const p = Array.isArray(ports) ? (ports[0] as PortMapping | undefined) : undefined;
      if (n !== 1 || !p) {
        problems.push({
          path: ip,
          target: 'value',
          message: `expected a link to a service with exactly one port, found ${JSON.stringify(target)} with ${n} ports (write the link in a Flocker-format file instead)`,
        });
        return;
      }
      linkOrigin.push(i);
      out.push({
        local_port: p.internal,
        remote_port: p.external,
        alias: alias ?? target.replace(/-/g, '_'),
      });
    });
    svc.entry['links'] = out;
  }
  return { services: converted, names: Object.keys(services), problems };
}
