// docker run --env-file format: one KEY=VALUE per line, no quoting, no escapes. Docker trims the
// left of each line, treats '#' lines as comments, rejects keys with whitespace and splits lines
// on '\n' (dropping a trailing '\r'): values with newlines or CR cannot be carried and are refused.
import { FlockerError } from '../errors.js';
import { dict, dictFrom } from '../util/own.js';

const KEY = /^[^\s=#][^\s=]*$/;

export function envFileProblems(env: Readonly<Record<string, string>>): string[] {
  const problems: string[] = [];
  for (const [k, v] of Object.entries(env)) {
    if (!KEY.test(k) || k.includes('\0'))
      problems.push(`environment variable name ${JSON.stringify(k)} is not usable`);
    if (/[\r\n\0]/.test(v))
      problems.push(
        `environment variable ${k}: value contains a newline, CR or NUL, which docker cannot pass`,
      );
  }
  return problems;
}

/**
 * The env file for an application: link variables merged with the application's environment
 * (the application's own value wins on a name clash), sorted by name.
 */
export function renderEnvFile(
  environment: Readonly<Record<string, string>>,
  linkEnvironment: Readonly<Record<string, string>>,
): string {
  const merged = dictFrom([...Object.entries(linkEnvironment), ...Object.entries(environment)]);
  const problems = envFileProblems(merged);
  if (problems.length) throw new FlockerError(problems.join('\n'), 'E_ENVIRONMENT', 'user');
  return Object.keys(merged)
    .sort()
    .map((k) => `${k}=${merged[k] as string}\n`)
    .join('');
}

/** Parse an env file we wrote (for tests and diagnostics). */
export function parseEnvFile(text: string): Record<string, string> {
  const out = dict<string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.indexOf('=');
    if (i < 0) continue;
    out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}
