// Compose keys about how the container runs: command, entrypoint, healthcheck, depends_on,
// expose, container_name. Each converter reports problems at the exact item they concern and
// returns the Flocker value, or undefined when there is none.
import { keyText, quoteText } from '../validation/echo.js';
import type { HealthCheck } from '../model/application.js';
import type { PathProblem } from './schema.js';
import { parseDuration, parsePortNumber, splitShellWords } from './compose-values.js';
import { describeValue } from './yaml-source.js';
import type { KeyPath, PathSegment } from './yaml-source.js';

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A compose integer: a number, or the digits an interpolation left in a string. */
export function composeInt(v: unknown): unknown {
  return typeof v === 'string' && /^[0-9]{1,15}$/.test(v) ? Number(v) : v;
}

/**
 * `command:` / `entrypoint:`: a string split into words as compose does, or a list of strings.
 * An empty entrypoint ("" or []) means none; a command needs at least one word.
 */
export function convertArgv(
  value: unknown,
  kp: KeyPath,
  problems: PathProblem[],
  what: 'command' | 'entrypoint',
): string[] | undefined {
  const expected = `expected the ${what} as a string (split into words like a shell does) or a list of strings`;
  const bad = (path: KeyPath, why: string): undefined => {
    problems.push({ path, target: 'value', message: why });
    return undefined;
  };
  let argv: string[];
  if (typeof value === 'string') {
    const r = splitShellWords(value);
    if (typeof r === 'string') return bad(kp, `${expected}, found ${quoteText(value)}: ${r}`);
    argv = r;
  } else if (Array.isArray(value)) {
    argv = [];
    let ok = true;
    value.forEach((w: unknown, i) => {
      if (typeof w === 'string') argv.push(w);
      else {
        ok = false;
        const hint = typeof w === 'number' ? ` (quote it: "${w}")` : '';
        bad([...kp, i], `expected a string, found ${describeValue(w)}${hint}`);
      }
    });
    if (!ok) return undefined;
  } else return bad(kp, `${expected}, found ${describeValue(value)}`);
  if (what === 'command' && argv.length === 0)
    return bad(kp, `${expected}, found no words (leave the key out to run the image's own command)`);
  return argv;
}

const HEALTH_KEYS = ['test', 'interval', 'timeout', 'retries', 'start_period', 'disable'];
const HEALTH_SECONDS = [
  ['interval', 'interval_seconds'],
  ['timeout', 'timeout_seconds'],
  ['start_period', 'start_period_seconds'],
] as const;

/** `healthcheck:` -> the model's check (durations in seconds; `disable: true` is ["NONE"]). */
export function convertHealthcheck(
  value: unknown,
  kp: KeyPath,
  problems: PathProblem[],
): HealthCheck | undefined {
  if (!isRecord(value)) {
    problems.push({
      path: kp,
      target: 'value',
      message: `expected a mapping with the keys ${HEALTH_KEYS.join(', ')}, found ${describeValue(value)}`,
    });
    return undefined;
  }
  const before = problems.length;
  const out: { -readonly [K in keyof HealthCheck]: HealthCheck[K] } = { test: [] };
  for (const k of Object.keys(value)) {
    if (HEALTH_KEYS.includes(k)) continue;
    const why = k === 'start_interval' ? ' (the checks during the start period run at the interval)' : '';
    problems.push({
      path: [...kp, k],
      target: 'key',
      message: `unsupported healthcheck key ${keyText(k)}${why}; supported keys are: ${HEALTH_KEYS.join(', ')}`,
    });
  }
  const disable = value['disable'];
  const test = value['test'];
  if (disable !== undefined && typeof disable !== 'boolean') {
    problems.push({
      path: [...kp, 'disable'],
      target: 'value',
      message: `expected true or false, found ${describeValue(disable)}`,
    });
  }
  if (disable === true) {
    // compose: disable: true is test: ["NONE"]; anything else alongside it would be ignored
    for (const k of Object.keys(value)) {
      if (k === 'disable' || !HEALTH_KEYS.includes(k)) continue;
      if (k === 'test' && Array.isArray(test) && test.length === 1 && test[0] === 'NONE') continue;
      problems.push({
        path: [...kp, k],
        target: 'key',
        message: `expected no other healthcheck key with disable: true, found ${keyText(k)}`,
      });
    }
    return problems.length > before ? undefined : { test: ['NONE'] };
  }
  const t = convertTest(test, [...kp, 'test'], problems);
  if (t) out.test = t;
  for (const [from, to] of HEALTH_SECONDS) {
    const v = value[from];
    if (v === undefined) continue;
    const s = parseDuration(v);
    if (typeof s === 'string') problems.push({ path: [...kp, from], target: 'value', message: s });
    else if (s > 86400)
      problems.push({
        path: [...kp, from],
        target: 'value',
        message: `expected a duration of at most 24h, found ${quoteText(String(v))}`,
      });
    else if (s > 0) out[to] = s; // 0 is docker's "the default"
  }
  const r = composeInt(value['retries']);
  if (r !== undefined) {
    if (typeof r === 'number' && Number.isInteger(r) && r >= 1 && r <= 1000) out.retries = r;
    else
      problems.push({
        path: [...kp, 'retries'],
        target: 'value',
        message: `expected an integer from 1 to 1000, found ${describeValue(r)}`,
      });
  }
  return problems.length > before ? undefined : out;
}

function convertTest(test: unknown, tp: KeyPath, problems: PathProblem[]): string[] | undefined {
  const expected =
    'expected a check: a shell command string, ["CMD", argv...], ["CMD-SHELL", "command"] or ["NONE"]';
  if (test === undefined) {
    problems.push({
      path: tp.slice(0, -1),
      target: 'parent',
      message:
        'missing required key "test" (Flocker needs the check itself; to disable the image\'s check write disable: true)',
    });
    return undefined;
  }
  if (typeof test === 'string') {
    if (test.trim() === '') {
      problems.push({ path: tp, target: 'value', message: `${expected}, found an empty string` });
      return undefined;
    }
    return ['CMD-SHELL', test];
  }
  if (!Array.isArray(test) || !test.every((x) => typeof x === 'string')) {
    problems.push({ path: tp, target: 'value', message: `${expected}, found ${describeValue(test)}` });
    return undefined;
  }
  const [kind, ...rest] = test as string[];
  const ok =
    (kind === 'CMD' && rest.length >= 1) ||
    (kind === 'CMD-SHELL' && rest.length === 1) ||
    (kind === 'NONE' && rest.length === 0);
  if (!ok) {
    problems.push({
      path: tp,
      target: 'value',
      message: `${expected}, found a list starting with ${kind === undefined ? 'nothing' : quoteText(kind)} and ${rest.length} more item(s)`,
    });
    return undefined;
  }
  return test as string[];
}

export type DependsCondition = 'service_started' | 'service_healthy';

export interface Dependency {
  readonly name: string;
  readonly condition: DependsCondition;
  /** file path of the item (list item or mapping key) */
  readonly path: KeyPath;
  /** segment under depends_on that names it */
  readonly seg: PathSegment;
}

const CONDITIONS = ['service_started', 'service_healthy', 'service_completed_successfully'];
const DEPENDS_KEYS = ['condition', 'required', 'restart'];

/** `depends_on:` (a list of names, or names -> {condition, required, restart}) -> dependencies. */
export function convertDependsOn(value: unknown, kp: KeyPath, problems: PathProblem[]): Dependency[] {
  const out: Dependency[] = [];
  if (Array.isArray(value)) {
    value.forEach((n: unknown, i) => {
      if (typeof n !== 'string' || n === '')
        problems.push({
          path: [...kp, i],
          target: 'value',
          message: `expected a service name, found ${describeValue(n)}`,
        });
      else out.push({ name: n, condition: 'service_started', path: [...kp, i], seg: i });
    });
    return out;
  }
  if (!isRecord(value)) {
    problems.push({
      path: kp,
      target: 'value',
      message: `expected a list of service names or a mapping of service names to {condition}, found ${describeValue(value)}`,
    });
    return out;
  }
  for (const [name, spec] of Object.entries(value)) {
    const ip = [...kp, name];
    let condition: DependsCondition = 'service_started';
    if (spec !== null && !isRecord(spec)) {
      problems.push({
        path: ip,
        target: 'value',
        message: `expected a mapping with the keys ${DEPENDS_KEYS.join(', ')}, found ${describeValue(spec)}`,
      });
      continue;
    }
    const before = problems.length;
    for (const [k, v] of Object.entries(spec ?? {})) {
      const vp = [...ip, k];
      if (k === 'condition') {
        if (v === 'service_started' || v === 'service_healthy') condition = v;
        else if (v === 'service_completed_successfully')
          problems.push({
            path: vp,
            target: 'value',
            message:
              'expected service_started or service_healthy, found "service_completed_successfully": Flocker runs long-lived applications, and a one-off job that exits is not one (run it before deploying)',
          });
        else
          problems.push({
            path: vp,
            target: 'value',
            message: `expected one of ${CONDITIONS.join(', ')}, found ${describeValue(v)}`,
          });
      } else if (k === 'required') {
        if (v !== true)
          problems.push({
            path: vp,
            target: 'value',
            message: `expected true, found ${describeValue(v)}: every application in the file is deployed, so a dependency is never optional`,
          });
      } else if (k === 'restart') {
        if (v !== false)
          problems.push({
            path: vp,
            target: 'value',
            message: `expected false, found ${describeValue(v)}: Flocker restarts an application only when its own definition changes`,
          });
      } else
        problems.push({
          path: vp,
          target: 'key',
          message: `unsupported depends_on key ${keyText(k)}; supported keys are: ${DEPENDS_KEYS.join(', ')}`,
        });
    }
    if (problems.length === before) out.push({ name, condition, path: ip, seg: name });
  }
  return out;
}

/** `expose:` -> nothing (informational: every port of a container is reachable by its links). */
export function checkExpose(value: unknown, kp: KeyPath, problems: PathProblem[]): void {
  const expected = 'expected a port from 1 to 65535 (optionally "/tcp" or "/udp")';
  if (!Array.isArray(value)) {
    problems.push({
      path: kp,
      target: 'value',
      message: `expected a list of ports, found ${describeValue(value)}`,
    });
    return;
  }
  value.forEach((p: unknown, i) => {
    const s =
      typeof p === 'number' ? String(p) : typeof p === 'string' ? p.replace(/\/(tcp|udp)$/, '') : null;
    if (s !== null && parsePortNumber(s) !== null) return;
    const why = typeof p === 'string' && p.includes('-') ? ': port ranges are not supported' : '';
    problems.push({
      path: [...kp, i],
      target: 'value',
      message: `${expected}, found ${describeValue(p)}${why}`,
    });
  });
}

/** `container_name:` -> nothing when it is the service name (Flocker names the container). */
export function checkContainerName(value: unknown, name: string, kp: KeyPath, problems: PathProblem[]): void {
  if (value === name) return;
  problems.push({
    path: kp,
    target: 'value',
    message: `expected the service name ${quoteText(name)} or no container_name, found ${describeValue(value)}: Flocker names each container after its application (flocker--${name}) so that it finds it on every node`,
  });
}
