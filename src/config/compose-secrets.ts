// Compose secrets and configs -> the application's `secrets` (src/model/application.ts).
//
// Top-level `secrets:` declares each secret: `file: ./path` (a file of the project, read on the
// deploying machine) or `environment: VAR` (a variable of the deploying environment or .env).
// A service's `secrets:` mounts them: `- NAME` at /run/secrets/NAME, or the long form
// {source, target, uid, gid, mode}. The node writes each as a root-only file (mode 0400 unless
// `mode` says otherwise, in a 0700 directory) and docker mounts it read-only. The value never
// appears in a plan, event, status or audit line: the model keeps only its hash, and the whole
// `secrets` field is shown as its targets (SECRET_VALUE_FIELDS).
// Configs (top-level and service `configs:`) are delivered the same way, with their own
// defaults: mounted at /NAME, mode 0444; declared with file:, environment: or content:.
import { posix } from 'node:path';
import type { SecretMount } from '../model/application.js';
import { MOUNT_TARGET_PATTERN } from '../model/application-schema.js';
import { valuePayload } from '../model/payload.js';
import { keyText, quoteText } from '../validation/echo.js';
import { projectPath } from './compose-binds.js';
import type { Lookup } from './compose-interpolate.js';
import type { ProjectReader } from './project-payloads.js';
import type { PathProblem } from './schema.js';
import { describeValue } from './yaml-source.js';
import type { KeyPath } from './yaml-source.js';

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Secret names: they name a file under /run/secrets. */
const SECRET_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$/;
const SECRET_NAME_RULE =
  'a secret name: letters, digits, "_", "." and "-", not starting with "_", "." or "-"';
const TARGET_RE = new RegExp(MOUNT_TARGET_PATTERN);
export const DEFAULT_SECRET_MODE = 0o400;

/** What differs between secrets and configs. */
export interface MountKind {
  /** 'secret' or 'config', in messages */
  readonly word: 'secret' | 'config';
  readonly keys: readonly string[];
  readonly defaultMode: number;
  /** the container folder of a name or relative target */
  readonly folder: string;
}
export const SECRET_KIND: MountKind = {
  word: 'secret',
  keys: ['file', 'environment'],
  defaultMode: DEFAULT_SECRET_MODE,
  folder: '/run/secrets',
};
/** compose configs: files of settings, world-readable at /NAME unless the mount says otherwise */
export const CONFIG_KIND: MountKind = {
  word: 'config',
  keys: ['file', 'environment', 'content'],
  defaultMode: 0o444,
  folder: '/',
};

const DECLARATION_REFUSED: Readonly<Record<string, string>> = {
  external:
    'an external secret lives in a swarm or another store Flocker cannot read; declare it with file: or environment:',
  name: 'Flocker mounts a secret under the name it is declared with',
  driver: 'secret drivers are swarm features',
  driver_opts: 'secret drivers are swarm features',
  labels: 'secret labels are swarm features',
  template_driver: 'secret templates are swarm features',
};

/** which of the declaration's keys were given, when not exactly one */
const found = (given: readonly string[], of: number): string =>
  of === 2 ? (given.length ? 'both' : 'neither') : given.length ? given.join(' and ') : 'none';

/** Declared secrets: name -> its hash, or null when its declaration has a problem (said once). */
export type SecretDeclarations = ReadonlyMap<string, string | null>;

/** Top-level `secrets:` -> each secret's content hash (contents kept by `project`). */
export function convertSecretDeclarations(
  value: unknown,
  kp: KeyPath,
  problems: PathProblem[],
  project: ProjectReader | undefined,
  lookup: Lookup,
  kind: MountKind = SECRET_KIND,
): SecretDeclarations {
  const { word } = kind;
  const keyList = kind.keys.join(', ');
  const oneOf = kind.keys.join(kind.keys.length > 2 ? ', ' : ' and ');
  const out = new Map<string, string | null>();
  if (!isRecord(value)) {
    problems.push({
      path: kp,
      target: 'value',
      message: `expected a mapping of ${word} names to declarations (${kind.keys.map((k) => `${k}:`).join(' or ')}), found ${describeValue(value)}`,
    });
    return out;
  }
  for (const [name, d] of Object.entries(value)) {
    const dp = [...kp, name];
    out.set(name, null);
    const problem = (path: KeyPath, target: PathProblem['target'], message: string): void => {
      problems.push({ path, target, message });
    };
    if (!SECRET_NAME_RE.test(name)) {
      problem(dp, 'key', `expected ${SECRET_NAME_RULE.replace('secret', word)}, found ${keyText(name)}`);
      continue;
    }
    if (!isRecord(d)) {
      problem(
        dp,
        'value',
        `expected a mapping with the key ${kind.keys.join(' or ')}, found ${describeValue(d)}`,
      );
      continue;
    }
    let bad = false;
    for (const k of Object.keys(d))
      if (!kind.keys.includes(k)) {
        bad = true;
        const why = DECLARATION_REFUSED[k]?.replaceAll('secret', word);
        problem(
          [...dp, k],
          'key',
          `unsupported ${word} key ${keyText(k)}${why ? ` (${why})` : ''}; supported keys are: ${keyList}`,
        );
      }
    const given = kind.keys.filter((k) => Object.hasOwn(d, k));
    if (given.length !== 1) {
      problem(
        dp,
        'value',
        `expected exactly one of the keys ${oneOf}, found ${found(given, kind.keys.length)}`,
      );
      continue;
    }
    if (bad) continue;
    const key = given[0]!;
    const hasFile = key === 'file';
    const v = d[key];
    const vp = [...dp, key];
    if (typeof v !== 'string' || (v === '' && key !== 'content')) {
      problem(
        vp,
        'value',
        `expected ${hasFile ? 'a path relative to the compose file' : key === 'content' ? 'the text of the file' : 'a variable name'}, found ${describeValue(v)}`,
      );
      continue;
    }
    let kept;
    if (hasFile) {
      const p = projectPath(v);
      if ('why' in p) {
        problem(vp, 'value', `cannot read the ${word} file ${quoteText(v)}: ${p.why}`);
        continue;
      }
      if (!project) {
        problem(
          vp,
          'value',
          `cannot read the ${word} file ${quoteText(v)}: this file is read without its project folder`,
        );
        continue;
      }
      kept = project.read(p.path);
      if (kept === 'missing') {
        problem(
          vp,
          'value',
          `cannot read the ${word} file ${quoteText(v)}: it does not exist beside the compose file`,
        );
        continue;
      }
    } else {
      const value = key === 'content' ? v : lookup(v);
      if (value === undefined) {
        problem(
          vp,
          'value',
          `expected the variable ${v} to be set in the deploying environment or the .env file, found it unset`,
        );
        continue;
      }
      if (!project) {
        problem(vp, 'value', `cannot keep the ${word}: this file is read without its project folder`);
        continue;
      }
      kept = project.keep(valuePayload(value));
    }
    if ('problem' in kept) {
      problem(vp, 'value', `cannot use the ${word} ${quoteText(name)}: ${kept.problem}`);
      continue;
    }
    if (kept.type !== 'file') {
      problem(vp, 'value', `expected a file, found the folder ${quoteText(v)} (a ${word} is one file)`);
      continue;
    }
    out.set(name, kept.hash);
  }
  return out;
}

/** "0440" (as written), 0o440, or 288 -> the mode; the text the YAML scalar was written as wins. */
function parseMode(v: unknown, written: string | undefined): number | undefined {
  const text = written ?? (typeof v === 'string' ? v : undefined);
  if (text !== undefined && /^0o?[0-7]{1,4}$/.test(text)) return parseInt(text.replace(/^0o?/, '') || '0', 8);
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0o777) return v;
  return undefined;
}

function parseId(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 2147483647) return v;
  if (typeof v === 'string' && /^[0-9]{1,10}$/.test(v) && Number(v) <= 2147483647) return Number(v);
  return undefined;
}

const LONG_KEYS = ['source', 'target', 'uid', 'gid', 'mode'];

/**
 * A service's `secrets:` -> target -> mount; undefined when it mounts none. Problems at each item;
 * a secret whose declaration has a problem is not reported again.
 */
export function convertServiceSecrets(
  value: unknown,
  kp: KeyPath,
  problems: PathProblem[],
  declared: SecretDeclarations | null,
  scalarText: (p: KeyPath) => string | undefined,
  kind: MountKind = SECRET_KIND,
): Record<string, SecretMount> | undefined {
  const { word } = kind;
  if (!Array.isArray(value)) {
    problems.push({
      path: kp,
      target: 'value',
      message: `expected a list of ${word} names or {source, target, uid, gid, mode} mappings, found ${describeValue(value)}`,
    });
    return undefined;
  }
  const out = Object.create(null) as Record<string, SecretMount>;
  value.forEach((item: unknown, i) => {
    const ip = [...kp, i];
    const before = problems.length;
    const problem = (path: KeyPath, target: PathProblem['target'], message: string): void => {
      problems.push({ path, target, message });
    };
    const rec = isRecord(item) ? item : undefined;
    const source = rec ? rec['source'] : item;
    const sp = rec ? [...ip, 'source'] : ip;
    if (rec) {
      for (const k of Object.keys(rec))
        if (!LONG_KEYS.includes(k))
          problem(
            [...ip, k],
            'key',
            `unsupported ${word} key ${keyText(k)}; supported keys are: ${LONG_KEYS.join(', ')}`,
          );
      if (source === undefined) problem(ip, 'parent', `missing required key "source" (the ${word}'s name)`);
    }
    if (source !== undefined && typeof source !== 'string') {
      problem(
        sp,
        'value',
        `expected the name of a ${word} declared under the top-level ${word}s:, found ${describeValue(source)}`,
      );
    }
    if (typeof source !== 'string') return;
    const hash = declared?.get(source);
    if (hash === undefined) {
      problem(
        sp,
        'value',
        `expected a ${word} declared under the top-level ${word}s:, found ${quoteText(source)}`,
      );
      return;
    }
    let target = posix.join(kind.folder, source);
    const t = rec?.['target'];
    if (t !== undefined) {
      if (typeof t !== 'string' || t === '')
        problem(
          [...ip, 'target'],
          'value',
          `expected a file name or an absolute path, found ${describeValue(t)}`,
        );
      else target = t.startsWith('/') ? posix.normalize(t) : posix.join(kind.folder, t);
      if (typeof t === 'string' && t !== '' && !TARGET_RE.test(target))
        problem(
          [...ip, 'target'],
          'value',
          `expected a path inside the container without ":" or ",", found ${quoteText(t)}`,
        );
    }
    if (Object.hasOwn(out, target))
      problem(
        t !== undefined ? [...ip, 'target'] : ip,
        'value',
        `expected each container path once, found ${quoteText(target)} again`,
      );
    let mode = kind.defaultMode;
    if (rec && rec['mode'] !== undefined) {
      const m = parseMode(rec['mode'], scalarText([...ip, 'mode']));
      if (m === undefined)
        problem(
          [...ip, 'mode'],
          'value',
          `expected a file mode like ${kind.defaultMode.toString(8).padStart(4, '0')} (octal, at most 0777), found ${describeValue(rec['mode'])}`,
        );
      else mode = m;
    }
    const ids: { uid?: number; gid?: number } = {};
    for (const k of ['uid', 'gid'] as const) {
      if (rec?.[k] === undefined) continue;
      const id = parseId(rec[k]);
      if (id === undefined)
        problem(
          [...ip, k],
          'value',
          `expected a numeric ${k === 'uid' ? 'user' : 'group'} id, found ${describeValue(rec[k])}`,
        );
      else ids[k] = id;
    }
    if (problems.length > before || hash === null) return;
    out[target] = { source, hash, mode, ...ids };
  });
  return Object.keys(out).length ? out : undefined;
}
