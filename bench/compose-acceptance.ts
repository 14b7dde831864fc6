// bench/compose-acceptance: how many compose projects of a sample collection the config layer
// accepts. For each sample folder under DIR: its compose file, all its services placed on one
// node "n1" in a temporary deployment file, through loadDesiredConfig (the dry run's config
// step; nothing is contacted). The environment is empty: only a sample's own .env is read, so
// an unset variable is a problem (stricter than compose), counted apart.
// Prints accepted N of M, the accepted samples, and the refusals tallied by the compose key they
// concern: files refused for it (and for it alone), most common first, the kinds of message when
// there are several, one example message each.
// Usage: node dist/bench/compose-acceptance.js DIR   (e.g. /var/lib/flocker-samples/awesome-compose)
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { load } from 'js-yaml';
import { loadDesiredConfig } from '../src/config/load.js';
import { InputError } from '../src/errors.js';
import type { InputProblem } from '../src/errors.js';

const COMPOSE_NAMES = ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml'];
const WORK = `/var/lib/flocker-test/compose-acceptance-${process.pid}`;
const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isUnsetVariable = (p: InputProblem): boolean => /^expected the variable .* to be set/.test(p.message);
/** What a message says without the values: `expected a volume "…" or "…"`. */
const kindOf = (message: string): string =>
  message
    .split(/,? found |; | \(/)[0]!
    .replace(/"[^"]*"/g, '"…"')
    .replace(/^expected the variable \S+/, 'expected the variable …');

type Result =
  | { readonly sample: string; readonly outcome: 'accepted' }
  | {
      readonly sample: string;
      readonly outcome: 'refused';
      readonly problems: readonly InputProblem[];
      readonly services: Record<string, unknown>;
    };

/** The services as written: `services:`, or the top-level mappings of the v1 (fig) layout. */
function servicesOf(doc: unknown): Record<string, unknown> {
  if (!isRecord(doc)) return {};
  if (isRecord(doc['services'])) return doc['services'];
  return Object.fromEntries(Object.entries(doc).filter(([k, v]) => isRecord(v) && !k.startsWith('x-')));
}

/** Path segments of a problem path as formatPath writes them: a.b[0]["c.d"]. */
function segments(p: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const m of p.matchAll(/\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|([^.[\]]+)/g)) {
    if (m[1] !== undefined) out.push(Number(m[1]));
    else if (m[2] !== undefined) out.push(JSON.parse(m[2]) as string);
    else if (m[3] !== undefined) out.push(m[3]);
  }
  return out;
}

/**
 * The compose key a problem concerns: the key under the service, else the top-level key. A
 * service with `build:` and no `image:` is missing its image because of `build`: counted there.
 */
function composeKey(p: InputProblem, services: Record<string, unknown>): string {
  const s = segments(p.path);
  if (s[0] !== 'services') return typeof s[0] === 'string' ? s[0] : '(document)';
  if (typeof s[2] === 'string') return s[2];
  const service = typeof s[1] === 'string' ? services[s[1]] : undefined;
  return isRecord(service) && 'build' in service && !('image' in service) ? 'build' : '(service)';
}

async function runSample(dir: string, sample: string): Promise<Result> {
  const file = COMPOSE_NAMES.map((n) => path.join(dir, sample, n)).find((f) => existsSync(f));
  if (!file) return refused(sample, [problem(sample, 'no compose file')]);
  let doc: unknown;
  try {
    doc = load(readFileSync(file, 'utf8'));
  } catch (e) {
    return refused(sample, [problem(file, `YAML: ${(e as Error).message}`)]);
  }
  const services = servicesOf(doc);
  const names = Object.keys(services);
  const deployment = path.join(WORK, `${sample}.deployment.yml`);
  writeFileSync(deployment, `version: 1\nnodes:\n  n1: ${JSON.stringify(names)}\n`);
  try {
    await loadDesiredConfig(deployment, file, { env: {} });
    return { sample, outcome: 'accepted' };
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    return refused(sample, e.problems, services);
  }
}

function refused(sample: string, problems: readonly InputProblem[], services = {}): Result {
  return { sample, outcome: 'refused', problems, services };
}

function problem(file: string, message: string): InputProblem {
  return { file, line: 1, column: 1, path: '(file)', message };
}

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node dist/bench/compose-acceptance.js DIR');
  process.exit(2);
}
const samples = readdirSync(dir)
  .filter((n) => !n.startsWith('.') && statSync(path.join(dir, n)).isDirectory())
  .sort();
mkdirSync(WORK, { recursive: true });
const results: Result[] = [];
try {
  for (const s of samples) results.push(await runSample(dir, s));
} finally {
  rmSync(WORK, { recursive: true, force: true });
}

const accepted = results.filter((r) => r.outcome === 'accepted').map((r) => r.sample);
// per key: the files refused for it (and for it alone), the files per kind of message, an example
interface Tally {
  files: Set<string>;
  alone: number;
  kinds: Map<string, Set<string>>;
  example: string;
  direct: boolean; // the example's path names the key
}
const byKey = new Map<string, Tally>();
let unsetFiles = 0;
let unsetOnly = 0;
let deploymentOnly = 0;
for (const r of results) {
  if (r.outcome !== 'refused') continue;
  // the deployment file only repeats a name problem the compose file reports
  const inCompose = r.problems.filter((p) => !p.file.startsWith(WORK));
  if (inCompose.length === 0) deploymentOnly++;
  if (inCompose.some(isUnsetVariable)) {
    unsetFiles++;
    if (inCompose.every(isUnsetVariable)) unsetOnly++;
  }
  const keys = new Set<string>();
  for (const p of inCompose) {
    const key = isUnsetVariable(p) ? '(unset variable)' : composeKey(p, r.services);
    const t = byKey.get(key) ?? {
      files: new Set<string>(),
      alone: 0,
      kinds: new Map(),
      example: '',
      direct: false,
    };
    const direct = segments(p.path).includes(key);
    if (t.example === '' || (direct && !t.direct)) {
      t.example = `${r.sample}: ${p.path}: ${p.message}`;
      t.direct = direct;
    }
    t.files.add(r.sample);
    const kind = kindOf(p.message);
    t.kinds.set(kind, (t.kinds.get(kind) ?? new Set<string>()).add(r.sample));
    byKey.set(key, t);
    keys.add(key);
  }
  if (keys.size === 1) byKey.get([...keys][0]!)!.alone++;
}

console.log(`accepted ${accepted.length} of ${results.length} compose files (${dir}; empty environment)`);
console.log(`accepted: ${accepted.length ? accepted.join(', ') : '(none)'}`);
console.log(
  `unset variables: ${unsetFiles} file(s) refused for them, ${unsetOnly} for them alone` +
    (deploymentOnly ? `; ${deploymentOnly} refused for the deployment file only` : ''),
);
console.log(`\nrefusals by compose key: files refused for it (for it alone), kinds of message, an example`);
const ranked = [...byKey].sort(([ka, a], [kb, b]) => b.files.size - a.files.size || (ka < kb ? -1 : 1));
for (const [key, { files, alone, kinds, example }] of ranked) {
  console.log(`  ${String(files.size).padStart(3)} (${alone})  ${key}`);
  if (kinds.size > 1)
    for (const [kind, f] of [...kinds].sort(([, a], [, b]) => b.size - a.size))
      console.log(`         ${String(f.size).padStart(3)}  ${kind}`);
  console.log(`         e.g. ${example.replace(/\s+/g, ' ').slice(0, 240)}`);
}
