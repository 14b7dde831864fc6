// Compose `volumes:` items that bind a file or folder of the project (`./nginx.conf:/etc/x.conf:ro`,
// or the long syntax `type: bind`) -> the application's `files` (src/model/application.ts).
// Named volumes are not handled here (compose-keys.ts): isBindItem tells the two apart.
//
// A project file is read on the deploying machine when the file is loaded, hashed, and shipped
// with the deploy to the node that runs the app (model/payload.ts); a changed content restarts
// the app. `:ro` (or read_only: true) mounts it read-only; without, it is writable as compose
// mounts it, but what the app writes there is a copy on its node: it does not follow the app
// to another node and is replaced when the project file changes (data belongs in a volume).
// Refused, each with its reason: absolute and home paths (a host path exists on one machine),
// the docker socket, paths leaving the project folder (`..`, or a symlink out of it).
import { posix } from 'node:path';
import type { ProjectFileMount } from '../model/application.js';
import { MOUNT_TARGET_PATTERN } from '../model/application-schema.js';
import { keyText, quoteText } from '../validation/echo.js';
import type { ProjectReader } from './project-payloads.js';
import type { PathProblem } from './schema.js';
import { describeValue } from './yaml-source.js';
import type { KeyPath } from './yaml-source.js';

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const TARGET_RE = new RegExp(MOUNT_TARGET_PATTERN);

/** A `volumes:` item that binds a host path (as compose reads it: a source starting . / or ~). */
export function isBindItem(v: unknown): boolean {
  if (isRecord(v)) return v['type'] === 'bind';
  if (typeof v !== 'string') return false;
  const i = v.indexOf(':');
  return i > 0 && /^[./~]/.test(v);
}

const HOST_PATH =
  'a path of the deploying machine or of a node cannot follow the application to another node: write a path relative to the compose file ("./conf:/etc/conf"), which Flocker ships with the deploy, or use a named volume';
const DOCKER_SOCKET =
  "the docker socket gives the container root on its node and Flocker's own containers to change";
const OUTSIDE =
  "only files and folders inside the project folder (the compose file's folder) are shipped; move it there";

/** Why a source path (as written) cannot be a project file, or its normalized relative form. */
export function projectPath(source: string): { path: string } | { why: string } {
  if (/docker\.sock$/.test(source)) return { why: DOCKER_SOCKET };
  if (source.startsWith('/') || source.startsWith('~')) return { why: HOST_PATH };
  const path = posix.normalize(source);
  if (path === '..' || path.startsWith('../')) return { why: OUTSIDE };
  if (path === '.' || path === './')
    return { why: 'the whole project folder cannot be mounted: name a file or folder in it' };
  return { path: path.replace(/\/$/, '') };
}

/** Where a bind's target goes: absolute, no ':' or ',' (docker -v), not '/'. */
function targetProblem(target: string): string | undefined {
  if (TARGET_RE.test(target)) return undefined;
  return `expected an absolute path inside the container (not "/", without ":" or ","), found ${quoteText(target)}`;
}

interface Bind {
  readonly source: string;
  readonly sourcePath: KeyPath;
  readonly target: string;
  readonly targetPath: KeyPath;
  readonly read_only: boolean;
}

const SHORT_EXPECTED = 'expected a project file "./SOURCE:/TARGET" or "./SOURCE:/TARGET:ro"';

function shortBind(v: string, ip: KeyPath, problems: PathProblem[]): Bind | undefined {
  const parts = v.split(':');
  const bad = (why: string): undefined => {
    problems.push({ path: ip, target: 'value', message: `${SHORT_EXPECTED}, found ${quoteText(v)}: ${why}` });
    return undefined;
  };
  if (parts.length > 3) return bad('too many ":"');
  const [source, target, opts] = parts as [string, string, string | undefined];
  let read_only = false;
  for (const o of opts === undefined ? [] : opts.split(',')) {
    if (o === 'ro') read_only = true;
    else if (o !== 'rw')
      return bad(
        `unsupported option ${quoteText(o)} (only "ro" and "rw": ${/^[zZ]$/.test(o) ? "SELinux labels are the node's business" : 'Flocker writes the copy itself'})`,
      );
  }
  return { source, sourcePath: ip, target, targetPath: ip, read_only };
}

const LONG_BIND_KEYS = ['type', 'source', 'target', 'read_only'];

function longBind(v: Record<string, unknown>, ip: KeyPath, problems: PathProblem[]): Bind | undefined {
  const before = problems.length;
  for (const k of Object.keys(v)) {
    if (!LONG_BIND_KEYS.includes(k))
      problems.push({
        path: [...ip, k],
        target: 'key',
        message: `unsupported key ${keyText(k)} of a project file (type: bind); supported keys are: ${LONG_BIND_KEYS.join(', ')}`,
      });
  }
  const need = (k: string, what: string): string | undefined => {
    const x = v[k];
    if (typeof x === 'string' && x !== '') return x;
    problems.push(
      x === undefined
        ? { path: ip, target: 'parent', message: `missing required key "${k}" (${what})` }
        : { path: [...ip, k], target: 'value', message: `expected ${what}, found ${describeValue(x)}` },
    );
    return undefined;
  };
  const source = need('source', 'a path relative to the compose file, like ./conf');
  const target = need('target', 'the path inside the container');
  const ro = v['read_only'];
  if (ro !== undefined && typeof ro !== 'boolean')
    problems.push({
      path: [...ip, 'read_only'],
      target: 'value',
      message: `expected true or false, found ${describeValue(ro)}`,
    });
  if (problems.length > before || source === undefined || target === undefined) return undefined;
  return {
    source,
    sourcePath: [...ip, 'source'],
    target,
    targetPath: [...ip, 'target'],
    read_only: ro === true,
  };
}

/**
 * The bind items of a service's `volumes:` -> its `files` (target -> mount), each read through
 * `project`; undefined when there are none. Every item is checked; problems at the item.
 */
export function convertBinds(
  value: unknown,
  kp: KeyPath,
  problems: PathProblem[],
  project: ProjectReader | undefined,
): Record<string, ProjectFileMount> | undefined {
  if (!Array.isArray(value)) return undefined; // the volumes converter says what it expected
  const files = Object.create(null) as Record<string, ProjectFileMount>;
  let any = false;
  value.forEach((v: unknown, i) => {
    if (!isBindItem(v)) return;
    any = true;
    const ip = [...kp, i];
    const b = isRecord(v) ? longBind(v, ip, problems) : shortBind(v as string, ip, problems);
    if (!b) return;
    const at = (path: KeyPath, message: string): void => {
      problems.push({ path, target: 'value', message });
    };
    // "/var/www/html/" is "/var/www/html" (compose and docker take both)
    const target = b.target.length > 1 ? b.target.replace(/\/+$/, '') || '/' : b.target;
    const tp = targetProblem(target);
    if (tp) return at(b.targetPath, tp);
    if (Object.hasOwn(files, target))
      return at(b.targetPath, `expected each container path once, found ${quoteText(target)} again`);
    const p = projectPath(b.source);
    if ('why' in p) return at(b.sourcePath, `cannot mount ${quoteText(b.source)}: ${p.why}`);
    if (!project)
      return at(
        b.sourcePath,
        `cannot mount ${quoteText(b.source)}: this file is read without its project folder`,
      );
    const r = project.read(p.path);
    if (r === 'missing')
      return at(
        b.sourcePath,
        `cannot mount ${quoteText(b.source)}: it does not exist beside the compose file`,
      );
    if ('problem' in r) return at(b.sourcePath, `cannot mount ${quoteText(b.source)}: ${r.problem}`);
    files[target] = { source: b.source, hash: r.hash, read_only: b.read_only };
  });
  return any && Object.keys(files).length ? files : undefined;
}
