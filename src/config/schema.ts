// JSON Schemas of the two Flocker config files, and the translation of ajv errors into
// positioned problems. `description` on a schema node is the "expected ..." phrase of its
// error messages (a standard annotation, so the schemas compile with any ajv).

import { escapeText, keyText, quoteText } from '../validation/echo.js';
import type { ErrorObject } from 'ajv';
import { describeValue } from './yaml-source.js';
import type { KeyPath, PathSegment } from './yaml-source.js';
import { APP_NAME_PATTERN, APP_NAME_RULE, NODE_NAME_PATTERN, NODE_NAME_RULE } from '../model/names.js';
import { applicationEntrySchema } from '../model/application-schema.js';
export { APP_NAME_PATTERN, APP_NAME_RULE, NODE_NAME_PATTERN, NODE_NAME_RULE } from '../model/names.js';

export {
  PORT,
  ENV_NAME_PATTERN,
  ENV_NAME_RULE,
  LINK_ALIAS_PATTERN,
  LINK_ALIAS_RULE,
  IMAGE_PATTERN,
  IMAGE_RULE,
  applicationEntrySchema,
} from '../model/application-schema.js';

export const applicationConfigSchema = {
  type: 'object',
  description: 'a mapping with the keys version and applications',
  additionalProperties: false,
  required: ['version', 'applications'],
  properties: {
    version: { const: 1, description: 'the number 1 (the only config version there is)' },
    applications: {
      type: 'object',
      description: 'a mapping of application names to applications',
      propertyNames: { pattern: APP_NAME_PATTERN, description: APP_NAME_RULE },
      additionalProperties: applicationEntrySchema,
    },
  },
} as const;

export const deploymentConfigSchema = {
  type: 'object',
  description: 'a mapping with the keys version and nodes',
  additionalProperties: false,
  required: ['version', 'nodes'],
  properties: {
    version: { const: 1, description: 'the number 1 (the only config version there is)' },
    nodes: {
      type: 'object',
      description: 'a mapping of node names to lists of application names',
      propertyNames: { pattern: NODE_NAME_PATTERN, description: NODE_NAME_RULE },
      additionalProperties: {
        type: ['array', 'null'],
        description: 'a list of application names (or nothing)',
        items: { type: 'string', pattern: APP_NAME_PATTERN, description: APP_NAME_RULE },
      },
    },
  },
} as const;

/** ajv options of every validator (src/validation/validators.ts compiles with these). */
export const AJV_OPTIONS = { allErrors: true, verbose: true, strict: true, allowUnionTypes: true } as const;

/** A problem before it is given a position: where (path + what to point at) and what. */
export interface PathProblem {
  readonly path: KeyPath;
  /** what to point at: the value, the key, or the key naming the mapping (missing keys) */
  readonly target: 'value' | 'key' | 'parent';
  readonly message: string;
}

/** JSON pointer -> path segments (list indices as numbers); one pass, no regex per segment. */
function pointerToPath(prefix: KeyPath, pointer: string): PathSegment[] {
  const out: PathSegment[] = [...prefix];
  if (pointer === '') return out;
  for (const raw of pointer.slice(1).split('/')) {
    const s = raw.includes('~') ? raw.replace(/~1/g, '/').replace(/~0/g, '~') : raw;
    out.push(isIndex(s) ? Number(s) : s);
  }
  return out;
}

function isIndex(s: string): boolean {
  if (s.length === 0 || s.length > 15 || (s.length > 1 && s.charCodeAt(0) === 48)) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function expectedOf(e: ErrorObject): string {
  const d = (e.parentSchema as { description?: unknown } | undefined)?.description;
  return typeof d === 'string' ? d : (e.message ?? 'something else');
}

function foundText(expected: string, data: unknown, raw: string | undefined): string {
  // a number is shown as written (`1.20`, `0x10`), not as JavaScript prints it
  if (typeof data !== 'number' && typeof data !== 'boolean') return describeValue(data);
  const written = raw ?? String(data);
  const found = typeof data === 'number' ? `the number ${escapeText(written)}` : describeValue(data);
  if (expected.startsWith('a string'))
    return `${found} (quote it to make it a string: ${quoteText(written)})`;
  return found;
}

/**
 * ajv errors -> problems, one per place. `pathPrefix` is where the validated value sits in its
 * file; the properties lists of a schema give the "one of" text for unknown keys.
 */
export function ajvErrorsToProblems(
  errors: readonly ErrorObject[],
  pathPrefix: KeyPath = [],
  scalarText: (p: KeyPath) => string | undefined = () => undefined,
): PathProblem[] {
  const out: PathProblem[] = [];
  const seenValue = new Set<string>();
  for (const e of errors) {
    if (e.keyword === 'propertyNames') continue; // reported by its inner error (with propertyName)
    const base = pointerToPath(pathPrefix, e.instancePath);
    if (e.propertyName !== undefined) {
      out.push({
        path: [...base, e.propertyName],
        target: 'key',
        message: `expected ${expectedOf(e)}, found ${keyText(e.propertyName)}`,
      });
      continue;
    }
    if (e.keyword === 'required') {
      const missing = (e.params as { missingProperty: string }).missingProperty;
      out.push({ path: base, target: 'parent', message: `missing required key "${missing}"` });
      continue;
    }
    if (e.keyword === 'additionalProperties') {
      const key = (e.params as { additionalProperty: string }).additionalProperty;
      const props = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      out.push({
        path: [...base, key],
        target: 'key',
        message: `unknown key ${keyText(key)}; expected one of: ${props.join(', ')}`,
      });
      continue;
    }
    // one complaint per value (pathPrefix is the same for every error of this call)
    if (seenValue.has(e.instancePath)) continue;
    seenValue.add(e.instancePath);
    const expected = expectedOf(e);
    out.push({
      path: base,
      target: 'value',
      message: `expected ${expected}, found ${foundText(expected, e.data, scalarText(base))}`,
    });
  }
  return out;
}
