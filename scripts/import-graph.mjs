#!/usr/bin/env node
// Prints the folder-level import graph of src/ (and bin/): "from -> to  (N imports)", one edge a
// line, from each file's own import statements. Usage: node scripts/import-graph.mjs [--files]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import process from 'node:process';
import console from 'node:console';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"](\.{1,2}\/[^'"]+)['"]/g;

function walk(dir) {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** 'src/plan/planner.ts' -> 'src/plan'; 'src/errors.ts' -> 'src/errors.ts'; bin files -> 'bin' */
export function area(file) {
  const parts = file.split('/');
  if (parts[0] === 'bin') return 'bin';
  return parts.length > 2 ? `${parts[0]}/${parts[1]}` : file;
}

/** [{from, to}] for every relative import of every .ts file under src/ and bin/ */
export function fileImports() {
  const out = [];
  for (const top of ['src', 'bin']) {
    for (const abs of walk(join(root, top))) {
      const file = relative(root, abs);
      for (const m of readFileSync(abs, 'utf8').matchAll(IMPORT)) {
        const to = normalize(join(dirname(file), m[1])).replace(/\.js$/, '.ts');
        out.push({ from: file, to });
      }
    }
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const files = process.argv.includes('--files');
  const edges = new Map();
  for (const { from, to } of fileImports()) {
    const key = files ? `${from} -> ${to}` : `${area(from)} -> ${area(to)}`;
    if (!files && area(from) === area(to)) continue;
    edges.set(key, (edges.get(key) ?? 0) + 1);
  }
  for (const k of [...edges.keys()].sort()) console.log(`${k}  (${edges.get(k)})`);
}
