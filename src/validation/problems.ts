// ajv errors of a wire format -> one line per problem, each naming the JSON path
// (`desired.applications.web.ports[0].external`, `cluster.nodes["10.0.0.1"]`). A schema node's
// `description` is the "expected ..." phrase, as in the config schemas.
import type { ErrorObject, ValidateFunction } from 'ajv';
import { FlockerError } from '../errors.js';
import { escapeText, quoteText } from './echo.js';

/** the document itself */
export const ROOT_PATH = '(document)';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Path segments -> dotted path; keys that are not identifiers are quoted in brackets. */
export function pathOf(segments: readonly (string | number)[]): string {
  let out = '';
  for (const k of segments) {
    if (typeof k === 'number' || /^(0|[1-9][0-9]*)$/.test(k)) out += `[${k}]`;
    else if (IDENTIFIER.test(k)) out += out === '' ? escapeText(k) : `.${escapeText(k)}`;
    else out += `[${quoteText(k)}]`;
  }
  return out === '' ? ROOT_PATH : out;
}

/** JSON pointer (+ a key below it) -> dotted path. */
export function jsonPath(pointer: string, key?: string): string {
  const segments = pointer === '' ? [] : pointer.slice(1).split('/');
  const keys = segments.map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  return pathOf(key === undefined ? keys : [...keys, key]);
}

function found(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object' && v !== null) return 'an object';
  // text from a node or a file: control characters escaped, long values shortened
  return typeof v === 'string' ? quoteText(v) : escapeText(JSON.stringify(v) ?? String(v));
}

function expected(e: ErrorObject): string {
  const d = (e.parentSchema as { description?: unknown } | undefined)?.description;
  if (typeof d === 'string') return `expected ${d}`;
  if (e.keyword === 'const')
    return `expected ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`;
  if (e.keyword === 'enum') {
    const allowed = (e.params as { allowedValues: unknown[] }).allowedValues;
    return `expected one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`;
  }
  return e.message ?? 'invalid';
}

/** One message per place ("path: what"), in the order ajv found them. */
export function schemaProblems(errors: readonly ErrorObject[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (m: string): void => {
    if (!seen.has(m)) out.push(m);
    seen.add(m);
  };
  const valuePaths = new Set<string>();
  for (const e of errors) {
    if (e.keyword === 'propertyNames') continue; // reported by its inner error (with propertyName)
    if (e.propertyName !== undefined) {
      add(`${jsonPath(e.instancePath, e.propertyName)}: invalid key: ${expected(e)}`);
    } else if (e.keyword === 'required') {
      const missing = (e.params as { missingProperty: string }).missingProperty;
      add(`${jsonPath(e.instancePath)}: missing key ${missing}`);
    } else if (e.keyword === 'additionalProperties') {
      const key = (e.params as { additionalProperty: string }).additionalProperty;
      add(`${jsonPath(e.instancePath)}: unexpected key ${key}`);
    } else {
      const path = jsonPath(e.instancePath);
      if (valuePaths.has(path)) continue; // one complaint per value
      valuePaths.add(path);
      add(`${path}: ${expected(e)}, found ${found(e.data)}`);
    }
  }
  return out;
}

/** Problems of a value under a generated validator; [] when valid. */
export function validate(validator: ValidateFunction, value: unknown): string[] {
  return validator(value) ? [] : schemaProblems(validator.errors ?? []);
}

/** The first few problems, in one message (a broken document can have hundreds). */
export function summarize(problems: readonly string[], max = 5): string {
  const shown = problems.slice(0, max).join('; ');
  return problems.length > max ? `${shown}; and ${problems.length - max} more` : shown;
}

/**
 * Parse a JSON document and check it with its generated validator; throws E_PROTOCOL naming
 * `what` (the file or input) and the JSON path of each problem.
 */
export function parseDocument<T>(text: string, what: string, validator: ValidateFunction): T {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new FlockerError(`${what}: not JSON: ${(e as Error).message}`, 'E_PROTOCOL');
  }
  const problems = validate(validator, v);
  if (problems.length) throw new FlockerError(`${what}: ${summarize(problems)}`, 'E_PROTOCOL');
  return v as T;
}
