#!/usr/bin/env node
// Writes docs/schema/*.json from the schema constants (src/model/plan-schema.ts and
// events-schema.ts, after the build); with --check, exits 1 when a file is not what the
// constants say (a unit test runs the same comparison).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import process from 'node:process';
import console from 'node:console';
import { fileURLToPath, URL } from 'node:url';
import { SCHEMA_DOCS, renderSchemaDoc } from '../dist/src/schema-docs.js';

let stale = false;
for (const [path, schema] of Object.entries(SCHEMA_DOCS)) {
  const file = fileURLToPath(new URL(`../${path}`, import.meta.url));
  const text = renderSchemaDoc(schema);
  if (process.argv.includes('--check')) {
    if (!existsSync(file) || readFileSync(file, 'utf8') !== text) {
      console.error(`${path} is out of date: run node scripts/schema-docs.mjs`);
      stale = true;
    }
  } else {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
}
if (stale) process.exit(1);
