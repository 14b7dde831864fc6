// The JSON schemas users read (docs/schema/*.json), generated from the schema constants in
// src/model: the plan document of --dry-run --json and the NDJSON lines of --json. The file
// name carries the major version; docs/plan.md and docs/events.md say what may change within it.
import { EVENTS_VERSION, eventsSchema } from './model/events-schema.js';
import { PLAN_VERSION, planDocumentSchema } from './model/plan-schema.js';

/** path (from the project root) -> its schema */
export const SCHEMA_DOCS: Readonly<Record<string, object>> = {
  [`docs/schema/plan.v${PLAN_VERSION}.json`]: planDocumentSchema,
  [`docs/schema/events.v${EVENTS_VERSION}.json`]: eventsSchema,
};

export function renderSchemaDoc(schema: object): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}
