// One converter per compose service key (ports, volumes, environment, limits and restart,
// unsupported keys). Each reads the compose value at file path `kp`, reports problems at the
// exact item they concern and returns the Flocker value, or undefined when there is none.
import { quoteText, keyText } from '../validation/echo.js';
import type { PortMapping } from '../model/application.js';
import type { PathProblem } from './schema.js';
import { parseComposePort, parseMemLimit, parseRestart } from './compose-values.js';
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

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

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
      message: `expected a list of "EXTERNAL:INTERNAL" strings, found ${describeValue(value)}`,
    });
    return undefined;
  }
  const ports: PortMapping[] = [];
  value.forEach((p: unknown, i) => {
    const r = parseComposePort(p);
    if (typeof r === 'string') problems.push({ path: [...kp, i], target: 'value', message: r });
    else {
      portOrigin.push(i); // later problems of ports[n] point at the item the user wrote
      ports.push(r);
    }
  });
  return ports;
}

/** `volumes:` -> the one Flocker volume (a named volume or a path; never a host directory). */
export function convertVolumes(
  value: unknown,
  kp: KeyPath,
  problems: PathProblem[],
): { mountpoint: string } | undefined {
  if (!Array.isArray(value)) {
    problems.push({
      path: kp,
      target: 'value',
      message: `expected a list with one volume ("/path" or "name:/path"), found ${describeValue(value)}`,
    });
    return undefined;
  }
  if (value.length > 1) {
    problems.push({
      path: [...kp, 1],
      target: 'value',
      message: `expected at most one volume per application (Flocker moves one dataset with each application), found ${value.length}`,
    });
    return undefined;
  }
  const v: unknown = value[0];
  if (v === undefined) return undefined;
  const bad = (why: string): undefined => {
    problems.push({
      path: [...kp, 0],
      target: 'value',
      message: `expected a volume "/path" or "name:/path", found ${why}`,
    });
    return undefined;
  };
  if (typeof v !== 'string') return bad(describeValue(v));
  const parts = v.split(':');
  if (parts.length > 2)
    return bad(`${quoteText(v as string)}: volume options (like ":ro") are not supported`);
  if (parts.length === 2 && /^[./~]/.test(parts[0] as string)) {
    return bad(`${quoteText(v as string)}: host directories cannot be mounted (Flocker manages the volume)`);
  }
  return { mountpoint: parts[parts.length - 1] as string };
}

/**
 * `environment:` (a "NAME=value" list or a mapping) -> a mapping. For the list form,
 * `envOrigin` learns which list index each name came from, so later problems point there.
 */
export function convertEnvironment(
  value: unknown,
  kp: KeyPath,
  problems: PathProblem[],
  envOrigin: Map<string, PathSegment>,
  scalarText: (p: KeyPath) => string | undefined = () => undefined,
): Record<string, unknown> | undefined {
  // null prototype: `- __proto__=x` is a variable like any other
  const env = Object.create(null) as Record<string, unknown>;
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
      // Compose accepts numbers here, as written (`01234`, `1.20`, `0x10`, 20 digits): the text,
      // never the number re-printed; booleans and empty values are left to the schema
      env[k] = typeof v === 'number' ? (scalarText([...kp, k]) ?? String(v)) : v;
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

/** A service key Flocker has no equivalent for. */
export function unsupportedKey(key: string, kp: KeyPath): PathProblem {
  return {
    path: kp,
    target: 'key',
    message: `unsupported compose key ${keyText(key)}; supported keys are: ${COMPOSE_KEYS.join(', ')}`,
  };
}
