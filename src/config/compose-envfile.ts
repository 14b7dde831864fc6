// Environment files of compose: the `.env` file beside the compose file (variables for
// interpolation) and the files an `env_file:` names (variables for the container). One
// syntax, compose's (docs.docker.com/compose/environment-variables/variable-interpolation):
//   - blank lines and lines starting with "#" are ignored; "export " before a name is allowed;
//   - NAME=value: unquoted values are trimmed, " #" starts a comment, interpolation applies;
//   - NAME="value": \n \r \t \\ \" \$ escapes, interpolation applies, then only a comment;
//   - NAME='value': taken literally (\' is a quote), then only a comment;
//   - NAME alone (env_file only, docker's form): the variable passes through from the
//     deploying environment, like `environment: [NAME]`.
// Values span one line (an application's environment never holds a newline).
import type { InputProblem } from '../errors.js';
import { ENV_NAME_PATTERN } from './schema.js';
import { interpolate } from './compose-interpolate.js';
import type { Lookup } from './compose-interpolate.js';
import { keyText } from '../validation/echo.js';

const ENV_NAME_RE = new RegExp(ENV_NAME_PATTERN);

export interface EnvFileEntry {
  readonly name: string;
  /** undefined: NAME alone (pass-through) */
  readonly value: string | undefined;
  readonly line: number;
  readonly column: number;
}

export interface EnvFileResult {
  readonly entries: EnvFileEntry[];
  readonly problems: InputProblem[];
}

/**
 * Parse an environment file. `lookup` resolves interpolations; variables defined earlier in
 * the file are visible to later lines (after `lookup`, which holds the deploying environment).
 */
export function parseEnvFile(
  text: string,
  file: string,
  lookup: Lookup,
  opts: { readonly passThrough: boolean },
): EnvFileResult {
  const entries: EnvFileEntry[] = [];
  const problems: InputProblem[] = [];
  const own = new Map<string, string>();
  const see: Lookup = (n) => lookup(n) ?? own.get(n);
  const lines = text.split(/\r\n|\n|\r/);
  lines.forEach((raw, idx) => {
    const line = idx + 1;
    let name = '';
    // the path of a problem in an env file is the variable it concerns (once its name is good)
    const problem = (col: number, message: string): void => {
      problems.push({ file, line, column: col + 1, path: name, message });
    };
    let i = 0;
    while (raw[i] === ' ' || raw[i] === '\t') i++;
    if (i === raw.length || raw[i] === '#') return;
    if (raw.startsWith('export ', i)) {
      i += 7;
      while (raw[i] === ' ' || raw[i] === '\t') i++;
    }
    const start = i;
    const eq = raw.indexOf('=', i);
    const written = (eq < 0 ? raw.slice(i) : raw.slice(i, eq)).trim();
    if (!ENV_NAME_RE.test(written)) {
      problem(
        start,
        `expected NAME=value with a variable name of letters, digits and "_" (not starting with a digit), found ${keyText(written)}`,
      );
      return;
    }
    name = written;
    if (eq < 0) {
      if (opts.passThrough) entries.push({ name, value: undefined, line, column: start + 1 });
      else problem(start, `expected NAME=value, found ${keyText(name)} without "="`);
      return;
    }
    const v = readValue(raw, eq + 1);
    if ('problem' in v) {
      problem(v.at, v.problem);
      return;
    }
    let value = v.value;
    if (v.interpolate) {
      const r = interpolate(value, see);
      if ('problem' in r) {
        problem(v.at, r.problem);
        return;
      }
      value = r.value;
    }
    if (/[\n\r\0]/.test(value)) {
      problem(v.at, 'expected a value without newline, carriage return or NUL characters');
      return;
    }
    own.set(name, value);
    entries.push({ name, value, line, column: start + 1 });
  });
  return { entries, problems };
}

type Value =
  | { readonly value: string; readonly interpolate: boolean; readonly at: number }
  | { readonly problem: string; readonly at: number };

const DQ_ESCAPES: Readonly<Record<string, string>> = {
  n: '\n',
  r: '\r',
  t: '\t',
  '\\': '\\',
  '"': '"',
  $: '$$', // kept as an escaped "$" for the interpolation that follows
};

function readValue(raw: string, from: number): Value {
  let i = from;
  while (raw[i] === ' ' || raw[i] === '\t') i++;
  const at = i;
  const q = raw[i];
  if (q !== '"' && q !== "'") {
    // unquoted: a comment starts at " #"
    const rest = raw.slice(i);
    const hash = rest.search(/[ \t]#/);
    return { value: (hash < 0 ? rest : rest.slice(0, hash)).trim(), interpolate: true, at };
  }
  let out = '';
  i++;
  for (; i < raw.length; i++) {
    const c = raw[i] as string;
    if (c === '\\' && i + 1 < raw.length) {
      const n = raw[i + 1] as string;
      if (q === "'") {
        if (n === "'") {
          out += "'";
          i++;
          continue;
        }
        out += c;
        continue;
      }
      const e = DQ_ESCAPES[n];
      out += e ?? `\\${n}`;
      i++;
      continue;
    }
    if (c === q) break;
    out += c;
  }
  if (i >= raw.length) {
    return { problem: `expected a closing ${q} on this line (values span one line)`, at };
  }
  const after = raw.slice(i + 1).trim();
  if (after !== '' && !after.startsWith('#')) {
    return { problem: `expected nothing but a comment after the closing ${q}, found more text`, at: i + 1 };
  }
  return { value: out, interpolate: q === '"', at };
}
