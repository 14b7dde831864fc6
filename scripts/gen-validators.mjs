// Build step (after tsc): standalone code of every JSON-schema validator, so nothing is
// compiled at run time. Output: dist/src/validation/validators.generated.js
import { writeFileSync } from 'node:fs';
import { URL } from 'node:url';
import { Ajv } from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { AJV_OPTIONS } from '../dist/src/config/schema.js';
import { SCHEMAS } from '../dist/src/validation/schemas.js';

const ajv = new Ajv({ ...AJV_OPTIONS, code: { source: true, esm: true } });
const refs = {};
for (const [k, schema] of Object.entries(SCHEMAS)) {
  ajv.addSchema(schema, `flocker:${k}`);
  refs[k] = `flocker:${k}`;
}
const out = new URL('../dist/src/validation/validators.generated.js', import.meta.url);
const code = (standaloneCode.default ?? standaloneCode)(ajv, refs);
// ajv's esm output still require()s its runtime helpers (e.g. ucs2length): give the module one
const prelude = "import { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);\n";
writeFileSync(out, prelude + code.replace(/^"use strict";/, ''));

// the one-file node agent is part of every build (flocker-deploy ships it to the nodes)
await import('./build-agent.mjs');
