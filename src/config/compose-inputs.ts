// What a compose file reads beyond its own text: the deploying environment, the `.env` file
// beside it and the files its env_file: keys name. They come in through this seam (load.ts
// passes process.env and the safe file reader), so the parsing core stays pure and testable.
import { posix } from 'node:path';
import type { InputProblem } from '../errors.js';
import type { ReadResult } from './read-input.js';
import { parseEnvFile } from './compose-envfile.js';
import type { Lookup } from './compose-interpolate.js';
import { PASS_THROUGH_UNSET } from './compose-keys.js';
import type { PathProblem } from './schema.js';
import type { ProjectReader } from './project-payloads.js';
import { describeValue } from './yaml-source.js';
import type { KeyPath } from './yaml-source.js';
import { keyText, quoteText } from '../validation/echo.js';

export interface ComposeInputs {
  /** the deploying environment (process.env at the edge) */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** read a file (the same safe reader as the config files); 'missing' when it does not exist */
  readonly readFile: (path: string) => ReadResult | 'missing';
  /** directory of the compose file: `.env` and env_file paths are relative to it */
  readonly dir: string;
  /** issue 13: project files and secrets are read and kept through it (absent: none can be) */
  readonly project?: ProjectReader;
}

/** No environment, no files: what a compose text sees when nothing is passed. */
export const NO_INPUTS: ComposeInputs = { env: {}, readFile: () => 'missing', dir: '.' };

/** A path written in the compose file, as the reader and messages see it. */
export function inputPath(inputs: ComposeInputs, p: string): string {
  return posix.isAbsolute(p) ? p : posix.join(inputs.dir, p);
}

/**
 * The variables of interpolation and pass-through: the deploying environment first, then the
 * `.env` file (compose's order: the environment wins). A missing .env is no problem.
 */
export function composeLookup(inputs: ComposeInputs, problems: InputProblem[]): Lookup {
  const fromEnv: Lookup = (n) => (Object.hasOwn(inputs.env, n) ? inputs.env[n] : undefined);
  const file = inputPath(inputs, '.env');
  const r = inputs.readFile(file);
  if (r === 'missing') return fromEnv;
  if ('failure' in r) {
    const { message, line, column } = r.failure;
    problems.push({ file, line: line ?? 1, column: column ?? 1, path: '', message });
    return fromEnv;
  }
  const parsed = parseEnvFile(r.text, file, fromEnv, { passThrough: false });
  for (const p of parsed.problems) problems.push(p);
  const dotenv = new Map(parsed.entries.map((e) => [e.name, e.value as string]));
  return (n) => fromEnv(n) ?? dotenv.get(n);
}

/**
 * `env_file:` (a path, a list of paths, or {path, required} items) -> the variables of the
 * files, later files winning. A missing file is a problem at its item (unless required:
 * false); a problem inside a file is reported at its line in that file.
 */
export function convertEnvFiles(
  value: unknown,
  kp: KeyPath,
  problems: PathProblem[],
  fileProblems: InputProblem[],
  inputs: ComposeInputs,
  lookup: Lookup,
  envOrigin: Map<string, KeyPath>,
): Record<string, string> | undefined {
  const env = Object.create(null) as Record<string, string>;
  const items: { item: unknown; ip: KeyPath; rel: KeyPath }[] = Array.isArray(value)
    ? value.map((item: unknown, i) => ({ item, ip: [...kp, i], rel: ['env_file', i] }))
    : [{ item: value, ip: kp, rel: ['env_file'] }];
  const before = problems.length + fileProblems.length;
  for (const { item, ip, rel } of items) {
    let path: unknown = item;
    let required = true;
    if (typeof item === 'object' && item !== null && !Array.isArray(item)) {
      const rec = item as Record<string, unknown>;
      path = rec['path'];
      for (const k of Object.keys(rec)) {
        if (k === 'path') continue;
        if (k === 'required' && typeof rec[k] === 'boolean') required = rec[k] as boolean;
        else if (k === 'format' && rec[k] === 'raw')
          problems.push({
            path: [...ip, k],
            target: 'value',
            message: 'expected no format (the compose syntax), found "raw"',
          });
        else
          problems.push({
            path: [...ip, k],
            target: k === 'required' ? 'value' : 'key',
            message:
              k === 'required'
                ? `expected true or false, found ${describeValue(rec[k])}`
                : `unsupported env_file key ${keyText(k)}; supported keys are: path, required`,
          });
      }
      if (path === undefined) {
        problems.push({ path: ip, target: 'parent', message: 'missing required key "path"' });
        continue;
      }
    }
    const pp = path === item ? ip : [...ip, 'path'];
    if (typeof path !== 'string' || path === '') {
      problems.push({
        path: pp,
        target: 'value',
        message: `expected the path of an environment file, found ${describeValue(path)}`,
      });
      continue;
    }
    const file = inputPath(inputs, path);
    const r = inputs.readFile(file);
    if (r === 'missing') {
      if (required)
        problems.push({
          path: pp,
          target: 'value',
          message: `cannot read the environment file ${quoteText(file)}: it does not exist (write required: false for an optional file)`,
        });
      continue;
    }
    if ('failure' in r) {
      problems.push({
        path: pp,
        target: 'value',
        message: `cannot read the environment file ${quoteText(file)}: ${r.failure.message}`,
      });
      continue;
    }
    const parsed = parseEnvFile(r.text, file, lookup, { passThrough: true });
    for (const p of parsed.problems) fileProblems.push(p);
    for (const e of parsed.entries) {
      const v = e.value ?? lookup(e.name);
      if (v === undefined) {
        fileProblems.push({
          file,
          line: e.line,
          column: e.column,
          path: e.name,
          message: PASS_THROUGH_UNSET(e.name),
        });
        continue;
      }
      env[e.name] = v;
      envOrigin.set(e.name, rel);
    }
  }
  return problems.length + fileProblems.length > before ? undefined : env;
}
