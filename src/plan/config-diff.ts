// What differs between the config an app runs with and the one it is given, field by field, in
// the config entry form (the application file's keys). Generic over that form: every key of the
// entry is compared, so a field added to the model later is explained without code here (a
// mapping field, like environment, by its keys). Secret fields (SECRET_VALUE_FIELDS) say which
// keys were added, removed or changed, never a value. Pure.
import type { Application } from '../model/application.js';
import { SECRET_VALUE_FIELDS } from '../model/application.js';
import { applicationEntrySchema } from '../model/application-schema.js';
import { toConfigEntry } from '../model/canonical.js';
import type { FieldChange, JsonValue } from '../model/changes.js';
import { own } from '../util/own.js';

const SCHEMA_ORDER: readonly string[] = Object.keys(applicationEntrySchema.properties);

/** A mapping field: an object of user-chosen keys (its schema has no fixed properties). */
function isMapField(field: string): boolean {
  const s = own(applicationEntrySchema.properties as Record<string, object>, field);
  return s !== undefined && 'additionalProperties' in s && !('properties' in s);
}

const isRecord = (v: unknown): v is Readonly<Record<string, JsonValue>> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** The entry's fields in the schema's order, then any others (sorted). */
function fieldsOf(a: object, b: object): string[] {
  const present = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [
    ...SCHEMA_ORDER.filter((k) => present.has(k)),
    ...[...present].filter((k) => !SCHEMA_ORDER.includes(k)).sort(),
  ];
}

function one(field: string, before: JsonValue | undefined, after: JsonValue | undefined, key?: string) {
  const secret = SECRET_VALUE_FIELDS.has(field);
  const c: FieldChange = {
    field,
    ...(key !== undefined ? { key } : {}),
    change: before === undefined ? 'added' : after === undefined ? 'removed' : 'changed',
    ...(!secret && before !== undefined ? { before } : {}),
    ...(!secret && after !== undefined ? { after } : {}),
  };
  return c;
}

/** Every difference of two entries (config entry form), in the schema's field order. */
export function entryDiff(before: object, after: object): FieldChange[] {
  const a = before as Readonly<Record<string, JsonValue>>;
  const b = after as Readonly<Record<string, JsonValue>>;
  const out: FieldChange[] = [];
  for (const field of fieldsOf(a, b)) {
    const va = own(a, field);
    const vb = own(b, field);
    if (same(va, vb)) continue;
    if (isMapField(field) && (va === undefined || isRecord(va)) && (vb === undefined || isRecord(vb))) {
      const ma = va ?? {};
      const mb = vb ?? {};
      for (const key of [...new Set([...Object.keys(ma), ...Object.keys(mb)])].sort()) {
        const x = own(ma, key);
        const y = own(mb, key);
        if (!same(x, y)) out.push(one(field, x, y, key));
      }
    } else out.push(one(field, va, vb));
  }
  return out;
}

/** What differs between the app as it runs and as it is wanted (canonical apps). */
export function configDiff(running: Application, wanted: Application): FieldChange[] {
  return entryDiff(toConfigEntry(running), toConfigEntry(wanted));
}
