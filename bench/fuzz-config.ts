// bench/fuzz-config: N generated bad config pairs (the good fixtures, mutated) through
// flocker-deploy --dry-run in-process (connections recorded, fake nodes for accepted files).
// Prints counts per outcome, the slowest case, and one example per failure class; failing
// cases are kept under /var/lib/flocker-test/fuzz-config/ for reproduction.
// Usage: node dist/bench/fuzz-config.js [N] [--seed S] [--small]   (run from the repository root)
import { rmSync } from 'node:fs';
import path from 'node:path';
import {
  describeCase,
  keepCase,
  kindsOf,
  loadSeeds,
  runCase,
  sampleCases,
  type Outcome,
  type Result,
} from '../test/helpers/fuzz-config.js';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const n = Number(args.find((a, i) => /^\d+$/.test(a) && args[i - 1] !== '--seed') ?? 2000);
const seed = Number(flag('--seed') ?? 20261201);
const large = !args.includes('--small');
const WORK = `/var/lib/flocker-test/fuzz-config-${process.pid}`;
const KEEP = '/var/lib/flocker-test/fuzz-config';

const seeds = loadSeeds();
const cases = sampleCases(n, seed, seeds.length, large);
const counts = new Map<Outcome, number>();
const failures = new Map<string, { index: number; result: Result; dir: string }>();
let slowest: { index: number; result: Result } | undefined;
const t0 = Date.now();
for (const [index, c] of cases.entries()) {
  const result = await runCase(c, seeds, WORK);
  counts.set(result.outcome, (counts.get(result.outcome) ?? 0) + 1);
  if (!slowest || result.ms > slowest.result.ms) slowest = { index, result };
  if ((index + 1) % 100 === 0)
    process.stderr.write(`${index + 1}/${n} cases, ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
  if (result.outcome !== 'accepted' && result.outcome !== 'refused') {
    const key = `${result.outcome} ${kindsOf(c)}`;
    if (!failures.has(key))
      failures.set(key, { index, result, dir: keepCase(c, seeds, path.join(KEEP, `case-${seed}-${index}`)) });
  }
}

rmSync(WORK, { recursive: true, force: true });

const order: Outcome[] = [
  'accepted',
  'refused',
  'crash',
  'slow',
  'connected',
  'unpositioned',
  'raw-echo',
  'accepted-invalid',
  'other',
];
console.log(
  `${n} cases (seed ${seed}${large ? '' : ', small sizes'}) in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
);
for (const o of order) console.log(`  ${o.padEnd(13)} ${counts.get(o) ?? 0}`);
if (slowest) {
  const r = slowest.result;
  console.log(
    `slowest: ${r.ms.toFixed(0)} ms (${r.slowOutcome ?? r.outcome}, exit ${r.exit}) case ${slowest.index}: ${describeCase(cases[slowest.index]!, seeds)}`,
  );
}
if (failures.size) {
  console.log(`\nfailure classes (outcome, mutation kinds): first case of each, files kept`);
  for (const [key, f] of [...failures].sort(([a], [b]) => (a < b ? -1 : 1))) {
    console.log(
      `- ${key}: case ${f.index} (${f.result.ms.toFixed(0)} ms) ${describeCase(cases[f.index]!, seeds).slice(0, 300)}`,
    );
    if (f.result.detail)
      console.log(`    ${f.result.detail.split('\n').slice(0, 3).join('\n    ').slice(0, 600)}`);
    console.log(`    files: ${f.dir}`);
  }
}
