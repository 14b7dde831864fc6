// Compose keys about the container's runtime (issue 13): hostname, user, cap_add, cap_drop,
// labels, stop_signal, stop_grace_period, tmpfs, ulimits, sysctls, tty, stdin_open, platform,
// and the ones refused with their reason (network_mode other than bridge, runtime, privileged,
// deploy). Each converter reports problems at the exact item they concern and returns the
// Flocker value, or undefined when there is none.
import { keyText, quoteText } from '../validation/echo.js';
import type { Ulimit } from '../model/application.js';
import {
  CAP_PATTERN,
  HOSTNAME_PATTERN,
  SIGNAL_PATTERN,
  SYSCTL_PATTERN,
  SYSCTL_RULE,
  TMPFS_PATTERN,
  TMPFS_RULE,
  ULIMIT_NAMES,
  USER_PATTERN,
} from '../model/application-schema.js';
import type { PathProblem } from './schema.js';
import { parseDuration } from './compose-values.js';
import { describeValue } from './yaml-source.js';
import type { KeyPath } from './yaml-source.js';

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const HOSTNAME_RE = new RegExp(HOSTNAME_PATTERN);
const USER_RE = new RegExp(USER_PATTERN);
const CAP_RE = new RegExp(CAP_PATTERN);
const SIGNAL_RE = new RegExp(SIGNAL_PATTERN);
const SYSCTL_RE = new RegExp(SYSCTL_PATTERN);
const TMPFS_RE = new RegExp(TMPFS_PATTERN);
const ULIMITS: readonly string[] = ULIMIT_NAMES;

type Problems = PathProblem[];
const problem = (
  problems: Problems,
  path: KeyPath,
  message: string,
  target: 'value' | 'key' = 'value',
): undefined => {
  problems.push({ path, target, message });
  return undefined;
};

/** `hostname:` -> the container's host name. */
export function convertHostname(value: unknown, kp: KeyPath, problems: Problems): string | undefined {
  if (typeof value === 'string' && value.length <= 64 && HOSTNAME_RE.test(value)) return value;
  return problem(
    problems,
    kp,
    `expected a host name (labels of letters, digits and "-" separated by ".", at most 64 characters), found ${describeValue(value)}`,
  );
}

/** `working_dir:` -> docker --workdir (absolute; docker makes it when the image lacks it). */
export function convertWorkingDir(value: unknown, kp: KeyPath, problems: Problems): string | undefined {
  if (typeof value === 'string' && /^\/[^\0\n]*$/.test(value) && value.length <= 4096) return value;
  return problem(
    problems,
    kp,
    `expected an absolute path inside the container, found ${describeValue(value)}`,
  );
}

/** `user:` ("name", "uid", "name:group", "uid:gid"; a number is a uid) -> docker --user. */
export function convertUser(value: unknown, kp: KeyPath, problems: Problems): string | undefined {
  const s = typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? String(value) : value;
  if (typeof s === 'string' && s.length <= 256 && USER_RE.test(s)) return s;
  return problem(
    problems,
    kp,
    `expected a user "name", "uid", "name:group" or "uid:gid", found ${describeValue(value)}`,
  );
}

/** `cap_add:` / `cap_drop:` -> capability names (docker takes NET_ADMIN and CAP_NET_ADMIN). */
export function convertCaps(value: unknown, kp: KeyPath, problems: Problems): string[] | undefined {
  if (!Array.isArray(value))
    return problem(
      problems,
      kp,
      `expected a list of capability names like NET_ADMIN, found ${describeValue(value)}`,
    );
  const before = problems.length;
  const out: string[] = [];
  value.forEach((c: unknown, i) => {
    if (typeof c === 'string' && CAP_RE.test(c)) out.push(c);
    else
      problem(
        problems,
        [...kp, i],
        `expected a capability name in capitals like NET_ADMIN or ALL, found ${describeValue(c)}`,
      );
  });
  return problems.length > before ? undefined : out;
}

/** A scalar written as a label or sysctl value: strings, numbers and booleans as text. */
function scalarValue(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null) return '';
  return undefined;
}

/** "k=v" list or mapping -> entries with the path of each item. */
function pairs(
  value: unknown,
  kp: KeyPath,
  problems: Problems,
  what: string,
): { key: string; value: string; path: KeyPath; target: 'key' | 'value' }[] | undefined {
  const out: { key: string; value: string; path: KeyPath; target: 'key' | 'value' }[] = [];
  if (Array.isArray(value)) {
    value.forEach((item: unknown, i) => {
      const eq = typeof item === 'string' ? item.indexOf('=') : -1;
      if (typeof item !== 'string' || eq <= 0)
        problem(problems, [...kp, i], `expected "NAME=value", found ${describeValue(item)}`);
      else out.push({ key: item.slice(0, eq), value: item.slice(eq + 1), path: [...kp, i], target: 'value' });
    });
    return out;
  }
  if (isRecord(value)) {
    for (const [k, v] of Object.entries(value)) {
      const s = scalarValue(v);
      if (s === undefined) problem(problems, [...kp, k], `expected a string, found ${describeValue(v)}`);
      else out.push({ key: k, value: s, path: [...kp, k], target: 'key' });
    }
    return out;
  }
  return problem(
    problems,
    kp,
    `expected a list of "NAME=value" strings or a mapping of ${what}, found ${describeValue(value)}`,
  );
}

/** `labels:` (list or mapping) -> labels; flocker.* names are refused (Flocker's own tags). */
export function convertLabels(
  value: unknown,
  kp: KeyPath,
  problems: Problems,
): Record<string, string> | undefined {
  const ps = pairs(value, kp, problems, 'label names to values');
  if (ps === undefined) return undefined;
  const out = Object.create(null) as Record<string, string>;
  for (const p of ps) {
    if (/^flocker\./i.test(p.key))
      problem(
        problems,
        p.path,
        `expected a label name not starting with "flocker.", found ${quoteText(p.key)}: Flocker tags its containers with flocker.* labels and finds them by these`,
        p.target,
      );
    else if (/[\s\0]/.test(p.key))
      problem(problems, p.path, `expected a label name without blanks, found ${quoteText(p.key)}`, p.target);
    else if (/[\n\r\0]/.test(p.value))
      problem(problems, p.path, 'expected a label value without newline, carriage return or NUL characters');
    else out[p.key] = p.value;
  }
  return out;
}

/** `stop_signal:` -> a signal name or number. */
export function convertStopSignal(value: unknown, kp: KeyPath, problems: Problems): string | undefined {
  const s = typeof value === 'number' ? String(value) : value;
  if (typeof s === 'string' && SIGNAL_RE.test(s)) return s;
  return problem(
    problems,
    kp,
    `expected a signal like "SIGQUIT", "SIGINT" or "SIGRTMIN+3", found ${describeValue(value)}`,
  );
}

/**
 * `stop_grace_period:` -> whole seconds (rounded up: docker stop -t takes seconds). Both docker
 * stop and the unit's stop timeout honour it.
 */
export function convertStopGrace(value: unknown, kp: KeyPath, problems: Problems): number | undefined {
  const s = parseDuration(value);
  if (typeof s === 'string') return problem(problems, kp, s);
  if (s > 86400)
    return problem(problems, kp, `expected a duration of at most 24h, found ${describeValue(value)}`);
  return Math.ceil(s);
}

/** `tmpfs:` (a path or a list of paths, each optionally ":options") -> mounts. */
export function convertTmpfs(value: unknown, kp: KeyPath, problems: Problems): string[] | undefined {
  const items: [unknown, KeyPath][] = Array.isArray(value)
    ? value.map((v: unknown, i) => [v, [...kp, i]])
    : [[value, kp]];
  const before = problems.length;
  const out: string[] = [];
  for (const [v, p] of items) {
    if (typeof v === 'string' && TMPFS_RE.test(v) && !v.split(':')[0]?.split('/').includes('..')) out.push(v);
    else problem(problems, p, `expected ${TMPFS_RULE}, found ${describeValue(v)}`);
  }
  return problems.length > before ? undefined : out;
}

const ULIMIT_EXPECTED = 'expected an integer 0 or greater (-1: unlimited) or a mapping {soft, hard}';
const isLimit = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= -1;

/** `ulimits:` -> name -> {soft, hard} (a single number is both). */
export function convertUlimits(
  value: unknown,
  kp: KeyPath,
  problems: Problems,
): Record<string, Ulimit> | undefined {
  if (!isRecord(value))
    return problem(
      problems,
      kp,
      `expected a mapping of ulimit names to limits, found ${describeValue(value)}`,
    );
  const before = problems.length;
  const out = Object.create(null) as Record<string, Ulimit>;
  for (const [name, v] of Object.entries(value)) {
    const ip = [...kp, name];
    if (!ULIMITS.includes(name)) {
      problem(
        problems,
        ip,
        `unsupported ulimit ${keyText(name)}; docker's are: ${ULIMITS.join(', ')}`,
        'key',
      );
      continue;
    }
    if (isLimit(v)) {
      out[name] = { soft: v, hard: v };
      continue;
    }
    if (!isRecord(v)) {
      problem(problems, ip, `${ULIMIT_EXPECTED}, found ${describeValue(v)}`);
      continue;
    }
    for (const k of Object.keys(v))
      if (k !== 'soft' && k !== 'hard')
        problem(problems, [...ip, k], `unsupported ulimit key ${keyText(k)}; expected soft and hard`, 'key');
    const { soft, hard } = v;
    for (const [k, x] of [
      ['soft', soft],
      ['hard', hard],
    ] as const)
      if (!isLimit(x))
        problem(
          problems,
          x === undefined ? ip : [...ip, k],
          x === undefined
            ? `missing required key ${keyText(k)}`
            : `${ULIMIT_EXPECTED}, found ${describeValue(x)}`,
          x === undefined ? 'key' : 'value',
        );
    if (isLimit(soft) && isLimit(hard)) {
      if (hard !== -1 && (soft === -1 || soft > hard))
        problem(
          problems,
          [...ip, 'soft'],
          `expected a soft limit at most the hard limit ${hard}, found ${soft}`,
        );
      else out[name] = { soft, hard };
    }
  }
  return problems.length > before ? undefined : out;
}

/** `sysctls:` (list or mapping) -> the namespaced sysctls docker sets per container. */
export function convertSysctls(
  value: unknown,
  kp: KeyPath,
  problems: Problems,
): Record<string, string> | undefined {
  const ps = pairs(value, kp, problems, 'sysctl names to values');
  if (ps === undefined) return undefined;
  const before = problems.length;
  const out = Object.create(null) as Record<string, string>;
  for (const p of ps) {
    if (!SYSCTL_RE.test(p.key))
      problem(problems, p.path, `expected ${SYSCTL_RULE}, found ${quoteText(p.key)}`, p.target);
    else if (/[\n\r\0,]/.test(p.value))
      problem(problems, p.path, 'expected a sysctl value without newline, carriage return, NUL or ","');
    else out[p.key] = p.value;
  }
  return problems.length > before ? undefined : out;
}

/** A boolean key (tty, stdin_open): true or false. */
export function convertBool(value: unknown, kp: KeyPath, problems: Problems): boolean | undefined {
  if (typeof value === 'boolean') return value;
  return problem(problems, kp, `expected true or false, found ${describeValue(value)}`);
}

/**
 * `platform:`: the nodes are linux/amd64 (Flocker starts the image where the deployment file
 * says and chooses no variant per node), so that platform is accepted and nothing else.
 */
const PLATFORMS = ['linux/amd64', 'linux/x86_64', 'amd64'];
export function checkPlatform(value: unknown, kp: KeyPath, problems: Problems): void {
  if (typeof value === 'string' && PLATFORMS.includes(value)) return;
  problem(
    problems,
    kp,
    `expected "linux/amd64", found ${describeValue(value)}: Flocker runs the image on the nodes the deployment file names, which are linux/amd64, and does not pick an image variant per node`,
  );
}

/** Keys accepted only with the value that is docker's default, and why another is refused. */
const DEFAULT_ONLY: Readonly<
  Record<string, { readonly ok: readonly unknown[]; readonly why: (v: unknown) => string }>
> = {
  network_mode: {
    ok: ['bridge'],
    why: (v) =>
      v === 'host'
        ? 'with the host network the application would listen on the node itself: its ports could not be routed from every node, nor follow it to another'
        : v === 'none'
          ? 'an application without a network could not be reached on its ports'
          : "another container's network belongs to one node and cannot follow the application; applications reach each other through links",
  },
  runtime: {
    ok: ['runc'],
    why: () =>
      "another runtime would have to be installed on every node the application may move to; Flocker runs docker's default (runc)",
  },
  privileged: {
    ok: [false],
    why: () =>
      'a privileged container has every device of the node and can change its routing and datasets, which Flocker relies on; add the capabilities it needs with cap_add',
  },
};

/** network_mode, runtime, privileged: accepted at docker's default, else refused with the reason. */
export function checkDefaultOnly(key: string, value: unknown, kp: KeyPath, problems: Problems): void {
  const d = DEFAULT_ONLY[key];
  if (d === undefined || d.ok.includes(value)) return;
  problem(
    problems,
    kp,
    `expected ${d.ok.map((x) => (typeof x === 'string' ? quoteText(x) : String(x))).join(' or ')} or no ${key}, found ${describeValue(value)}: ${d.why(value)}`,
  );
}
