// The parsing core: text in, values and positioned problems out. Pure (no fs).
import type { ApplicationConfigEntry } from '../model/application.js';
import type { Application } from '../model/application.js';
import { toApplication } from '../model/canonical.js';
import type { InputProblem } from '../errors.js';
import { convertCompose, isComposeDocument } from './compose.js';
import { checkEntrySemantics } from './entry-checks.js';
import { APP_NAME_PATTERN, ajvErrorsToProblems } from './schema.js';
import {
  validateApplicationConfigSchema,
  validateDeploymentConfigSchema,
  validateEntrySchema,
} from '../validation/validators.js';
import type { PathProblem } from './schema.js';
import { describeValue, formatPath, locate, locateParent, scalarText } from './yaml-source.js';
import { parseYaml } from './yaml-build.js';
import { NO_INPUTS } from './compose-inputs.js';
import type { ComposeInputs } from './compose-inputs.js';
import { quoteText } from '../validation/echo.js';
import type { KeyPath, LineCol, YamlDocument } from './yaml-source.js';

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isPort = (v: unknown): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65535;
const APP_NAME_RE = new RegExp(APP_NAME_PATTERN);
const rawOf =
  (doc: YamlDocument) =>
  (p: KeyPath): string | undefined =>
    scalarText(doc, p);

/** Give a path problem its position in a document. */
export function positioned(doc: YamlDocument, p: PathProblem): InputProblem {
  const at: LineCol = p.target === 'parent' ? locateParent(doc, p.path) : locate(doc, p.path, p.target);
  const keyPath = p.path;
  let text: string | undefined;
  return {
    file: doc.file,
    line: at.line,
    column: at.column,
    // rendered when shown: of 150,000 problems only the first 100 are
    get path(): string {
      return (text ??= formatPath(keyPath));
    },
    message: p.message,
  };
}

/** Sort problems by file (in the order given), line, column; stable otherwise. */
export function sortProblems(
  problems: readonly InputProblem[],
  fileOrder: readonly string[] = [],
): InputProblem[] {
  const rank = (f: string): number => {
    const i = fileOrder.indexOf(f);
    return i < 0 ? fileOrder.length : i;
  };
  return problems
    .map((p, i) => ({ p, i }))
    .sort(
      (a, b) =>
        rank(a.p.file) - rank(b.p.file) ||
        (a.p.file < b.p.file ? -1 : a.p.file > b.p.file ? 1 : 0) ||
        a.p.line - b.p.line ||
        a.p.column - b.p.column ||
        a.i - b.i,
    )
    .map((x) => x.p);
}

/** One application as found in a file, with the way back from entry paths to file paths. */
interface RawApp {
  readonly name: string;
  readonly entry: unknown;
  readonly origin: (p: KeyPath) => KeyPath;
  /** schema, semantic and name checks passed */
  valid: boolean;
}

export interface ParsedApplications {
  readonly file: string;
  /** null when the YAML itself could not be read */
  readonly doc: YamlDocument | null;
  /** every application name the file defines, valid or not (null: unknown, file unreadable) */
  readonly names: ReadonlySet<string> | null;
  /** the applications without problems, canonical */
  readonly applications: Record<string, Application>;
  readonly problems: InputProblem[];
  readonly format: 'flocker' | 'compose' | 'unknown';
}

function documentProblem(doc: YamlDocument, expected: string): InputProblem | null {
  if (doc.value === null || doc.value === undefined) {
    return {
      file: doc.file,
      line: 1,
      column: 1,
      path: '',
      message: `expected ${expected}, found an empty document`,
    };
  }
  if (!isRecord(doc.value)) {
    const at = locate(doc, [], 'value');
    return {
      file: doc.file,
      ...at,
      path: '',
      message: `expected ${expected}, found ${describeValue(doc.value)}`,
    };
  }
  return null;
}

/** Append without spreading (a list of 150,000 problems must not meet the argument limit). */
export function append<T>(to: T[], from: readonly T[]): void {
  for (const x of from) to.push(x);
}

const emptyRecord = <T>(): Record<string, T> => Object.create(null) as Record<string, T>;

/** Is `p` at or below one of the paths in `roots` (keys of pathKey)? Linear in the depth of p. */
function under(p: KeyPath, roots: ReadonlySet<string>): boolean {
  for (let i = 1; i <= p.length; i++) if (roots.has(pathKey(p.slice(0, i)))) return true;
  return false;
}
const pathKey = (p: KeyPath): string => JSON.stringify(p);

export function parseApplications(
  text: string,
  file: string,
  inputs: ComposeInputs = NO_INPUTS,
): ParsedApplications {
  const parsed = parseYaml(text, file);
  const doc = parsed.doc;
  if (doc === null) {
    return {
      file,
      doc: null,
      names: null,
      applications: emptyRecord(),
      problems: parsed.problems,
      format: 'unknown',
    };
  }
  const top = documentProblem(
    doc,
    'a mapping with the keys version and applications (or a compose-style file with services)',
  );
  if (top) {
    parsed.problems.push(top);
    return {
      file,
      doc,
      names: null,
      applications: emptyRecord(),
      problems: parsed.problems,
      format: 'unknown',
    };
  }
  const value = doc.value as Record<string, unknown>;

  const pathProblems: PathProblem[] = [];
  const raws: RawApp[] = [];
  const names = new Set<string>();
  const schemaInvalid = new Set<string>();
  let format: 'flocker' | 'compose';
  let failedValues: KeyPath[] = [];

  if (isComposeDocument(value)) {
    format = 'compose';
    const c = convertCompose(value, (p) => scalarText(doc, p), inputs);
    append(pathProblems, c.problems);
    append(parsed.problems, c.fileProblems);
    failedValues = c.failedValues;
    for (const n of c.names) names.add(n);
    // problems the conversion found make the service invalid
    for (const s of c.services)
      raws.push({ name: s.name, entry: s.entry, origin: s.origin, valid: !s.failed });
  } else {
    format = 'flocker';
    if (!validateApplicationConfigSchema(value)) {
      const errors = validateApplicationConfigSchema.errors ?? [];
      append(pathProblems, ajvErrorsToProblems(errors, [], rawOf(doc)));
      // the entries the file schema found problems in (validating each again would double the time)
      for (const e of errors) {
        const m = /^\/applications\/([^/]*)(?:\/|$)/.exec(e.instancePath);
        if (m) schemaInvalid.add((m[1] as string).replace(/~1/g, '/').replace(/~0/g, '~'));
      }
    }
    const apps = value['applications'];
    if (isRecord(apps)) {
      for (const [name, entry] of Object.entries(apps)) {
        raws.push({
          name,
          entry,
          origin: (p) => ['applications', name, ...p],
          valid: APP_NAME_RE.test(name),
        });
        names.add(name);
      }
    }
  }

  for (const r of raws) {
    if (format === 'compose') {
      // the top-level schema did not see compose entries: check the converted entry
      if (!validateEntrySchema(r.entry)) {
        r.valid = false;
        for (const p of ajvErrorsToProblems(validateEntrySchema.errors ?? [], [], (q) =>
          scalarText(doc, r.origin(q)),
        )) {
          // a compose service may build its image instead of naming one
          const or =
            p.path.length === 0 && p.message === 'missing required key "image"' ? ' (or "build")' : '';
          pathProblems.push({ ...p, path: r.origin(p.path), message: p.message + or });
        }
      }
    } else if (schemaInvalid.has(r.name) || !isRecord(r.entry)) {
      r.valid = false; // already reported by the file schema
    } else {
      // issue 13: the contents of files and secrets come only from a compose project
      for (const k of ['files', 'secrets'])
        if (Object.hasOwn(r.entry, k)) {
          r.valid = false;
          pathProblems.push({
            path: r.origin([k]),
            target: 'key',
            message: `unsupported key ${JSON.stringify(k)} in a Flocker application file: project files and secrets are written in a compose file (volumes: "./file:/path", secrets:), whose folder holds their contents`,
          });
        }
    }
    const sem =
      format === 'compose'
        ? checkEntrySemantics(r.entry, (p) => formatPath(r.origin(p).slice(r.origin([]).length)))
        : checkEntrySemantics(r.entry);
    if (sem.length) r.valid = false;
    for (const p of sem) pathProblems.push({ ...p, path: r.origin(p.path) });
  }

  append(pathProblems, crossApplicationChecks(doc, raws));

  const problems = parsed.problems;
  // a value whose interpolation failed has said so: what it would have been says nothing more
  const failedKeys = new Set(failedValues.map(pathKey));
  const own = new Set(failedValues);
  for (const p of pathProblems) {
    if (failedKeys.size && !own.has(p.path) && under(p.path, failedKeys)) continue;
    problems.push(positioned(doc, p));
  }
  const applications = emptyRecord<Application>();
  for (const r of raws) {
    if (r.valid) applications[r.name] = toApplication(r.name, r.entry as ApplicationConfigEntry);
  }
  // without an `applications` mapping the file defines no names we could check placements against
  const listed =
    format === 'compose'
      ? !Object.hasOwn(value, 'services') || isRecord(value['services'])
      : isRecord(value['applications']);
  const known = listed ? names : null;
  return { file, doc, names: known, applications, problems, format };
}

/** Checks across the applications of one file: unique external ports, links to real ports. */
function crossApplicationChecks(doc: YamlDocument, raws: RawApp[]): PathProblem[] {
  const out: PathProblem[] = [];
  const owner = new Map<string, { app: string; path: KeyPath }>();
  for (const r of raws) {
    if (!isRecord(r.entry) || !Array.isArray(r.entry['ports'])) continue;
    (r.entry['ports'] as unknown[]).forEach((p, i) => {
      if (!isRecord(p) || !isPort(p['external'])) return;
      const ext = p['external'];
      const path = r.origin(['ports', i, 'external']);
      const k = `${p['protocol'] === 'udp' ? 'udp' : 'tcp'}/${ext}`; // 53/tcp and 53/udp are two
      const first = owner.get(k);
      if (!first) owner.set(k, { app: r.name, path });
      else if (first.app !== r.name) {
        const at = locate(doc, first.path, 'value');
        out.push({
          path,
          target: 'value',
          message: `expected an external port not used by another application, found ${ext}, already used by ${quoteText(first.app)} (line ${at.line})`,
        });
        r.valid = false;
      }
    });
  }
  append(out, dependencyChecks(raws));
  for (const r of raws) {
    if (!isRecord(r.entry) || !Array.isArray(r.entry['links'])) continue;
    (r.entry['links'] as unknown[]).forEach((l, i) => {
      if (!isRecord(l) || !isPort(l['remote_port'])) return;
      if (owner.has(`tcp/${l['remote_port']}`)) return; // links are TCP
      out.push({
        path: r.origin(['links', i, 'remote_port']),
        target: 'value',
        message: `expected the external port of an application in this file, found ${l['remote_port']}, which no application exposes`,
      });
      r.valid = false;
    });
  }
  return out;
}

/** depends_on: every name an application of this file, and no cycle (named in full). */
function dependencyChecks(raws: RawApp[]): PathProblem[] {
  const out: PathProblem[] = [];
  const byName = new Map(raws.map((r) => [r.name, r]));
  const deps = (r: RawApp): unknown[] =>
    isRecord(r.entry) && Array.isArray(r.entry['depends_on']) ? (r.entry['depends_on'] as unknown[]) : [];
  for (const r of raws) {
    deps(r).forEach((d, i) => {
      if (typeof d !== 'string' || byName.has(d)) return;
      out.push({
        path: r.origin(['depends_on', i]),
        target: 'value',
        message: `expected the name of an application in this file, found ${quoteText(d)}`,
      });
      r.valid = false;
    });
  }
  // depth-first, iteratively (a long chain never touches the JS stack); a back edge closes a cycle
  const state = new Map<string, 'open' | 'done'>();
  for (const start of raws) {
    if (state.has(start.name)) continue;
    const stack: { r: RawApp; i: number }[] = [{ r: start, i: 0 }];
    state.set(start.name, 'open');
    while (stack.length) {
      const top = stack[stack.length - 1] as { r: RawApp; i: number };
      const list = deps(top.r);
      if (top.i >= list.length) {
        state.set(top.r.name, 'done');
        stack.pop();
        continue;
      }
      const i = top.i++;
      const d = list[i];
      const next = typeof d === 'string' ? byName.get(d) : undefined;
      if (!next) continue;
      const s = state.get(next.name);
      if (s === undefined) {
        state.set(next.name, 'open');
        stack.push({ r: next, i: 0 });
      } else if (s === 'open') {
        const from = stack.findIndex((f) => f.r === next);
        const cycle = stack.slice(from).map((f) => f.r);
        for (const c of cycle) c.valid = false;
        out.push({
          path: top.r.origin(['depends_on', i]),
          target: 'value',
          message: `expected no dependency cycle, found ${[...cycle, next].map((c) => c.name).join(' -> ')}`,
        });
      }
    }
  }
  return out;
}

/**
 * Application names in the node lists are names, like the keys that define them: `[0x1F]` is
 * the app "0x1F", never the number 31 (an empty item stays empty, and is refused).
 */
function takeNamesAsWritten(doc: YamlDocument, value: Record<string, unknown>): void {
  const nodes = value['nodes'];
  if (!isRecord(nodes)) return;
  for (const [node, list] of Object.entries(nodes)) {
    if (!Array.isArray(list)) continue;
    for (let i = 0; i < list.length; i++) {
      const v: unknown = list[i];
      if (typeof v !== 'number' && typeof v !== 'boolean' && v !== null) continue;
      const text = scalarText(doc, ['nodes', node, i]);
      if (text) list[i] = text;
    }
  }
}

export interface ParsedDeployment {
  readonly file: string;
  readonly doc: YamlDocument | null;
  /** node -> app names, sorted (nodes with problems included as far as they could be read) */
  readonly nodes: Record<string, string[]>;
  /** every placement, for cross-file checks: app name and where it is written */
  readonly placements: { readonly app: string; readonly node: string; readonly path: KeyPath }[];
  readonly problems: InputProblem[];
}

export function parseDeployment(text: string, file: string): ParsedDeployment {
  const parsed = parseYaml(text, file);
  const doc = parsed.doc;
  if (doc === null)
    return { file, doc: null, nodes: emptyRecord(), placements: [], problems: parsed.problems };
  const top = documentProblem(doc, 'a mapping with the keys version and nodes');
  if (top) {
    parsed.problems.push(top);
    return { file, doc, nodes: emptyRecord(), placements: [], problems: parsed.problems };
  }
  const value = doc.value as Record<string, unknown>;

  takeNamesAsWritten(doc, value);
  const pathProblems: PathProblem[] = [];
  if (!validateDeploymentConfigSchema(value)) {
    append(pathProblems, ajvErrorsToProblems(validateDeploymentConfigSchema.errors ?? [], [], rawOf(doc)));
  }
  const nodes = emptyRecord<string[]>();
  const placements: { app: string; node: string; path: KeyPath }[] = [];
  const seen = new Map<string, { node: string; path: KeyPath }>();
  const declared = value['nodes'];
  if (isRecord(declared)) {
    for (const [node, list] of Object.entries(declared)) {
      const apps: string[] = [];
      if (Array.isArray(list)) {
        list.forEach((app: unknown, i) => {
          if (typeof app !== 'string') return;
          const path: KeyPath = ['nodes', node, i];
          const first = seen.get(app);
          if (first) {
            const at = locate(doc, first.path, 'value');
            pathProblems.push({
              path,
              target: 'value',
              message:
                first.node === node
                  ? `expected each application once, found ${quoteText(app)} again on this node (first at line ${at.line})`
                  : `expected each application on one node only, found ${quoteText(app)} also on node ${quoteText(first.node)} (line ${at.line})`,
            });
            return;
          }
          seen.set(app, { node, path });
          placements.push({ app, node, path });
          apps.push(app);
        });
      }
      nodes[node] = apps.sort();
    }
  }
  const problems = parsed.problems;
  for (const p of pathProblems) problems.push(positioned(doc, p));
  return { file, doc, nodes, placements, problems };
}

/** Deployment entries naming applications the application file does not define. */
export function crossFileChecks(apps: ParsedApplications, dep: ParsedDeployment): InputProblem[] {
  if (apps.names === null || dep.doc === null) return [];
  const out: InputProblem[] = [];
  for (const pl of dep.placements) {
    if (!APP_NAME_RE.test(pl.app)) continue; // the schema already said what a name looks like
    if (apps.names.has(pl.app)) continue;
    out.push(
      positioned(dep.doc, {
        path: pl.path,
        target: 'value',
        message: `expected an application defined in ${apps.file}, found ${quoteText(pl.app)}`,
      }),
    );
  }
  return out;
}
