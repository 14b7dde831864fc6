#!/usr/bin/env node
// Writes docs/errors.md from the error catalogue (src/errors.ts, after the build); with --check,
// exits 1 when the file is not what the catalogue says (a unit test runs the same comparison).
import { readFileSync, writeFileSync } from 'node:fs';
import process from 'node:process';
import console from 'node:console';
import { URL } from 'node:url';
import { renderErrorsDoc } from '../dist/src/errors-doc.js';

const file = new URL('../docs/errors.md', import.meta.url);
const text = renderErrorsDoc();
if (process.argv.includes('--check')) {
  if (readFileSync(file, 'utf8') !== text) {
    console.error('docs/errors.md is out of date: run node scripts/errors-doc.mjs');
    process.exit(1);
  }
} else writeFileSync(file, text);
