// Generated bad input (issue 9): the good fixtures (Flocker version: 1, compose-style, the
// deployment file, the prototype-names pair) mutated — byte flips, truncation, duplicated,
// removed and swapped lines, keys renamed to prototype names and YAML-typed keys, wrong types,
// deep nesting, huge repeats, long values, control characters, CR/CRLF/BOM, tabs, invalid UTF-8 —
// each pair run through flocker-deploy --dry-run in-process with a connector that records any
// connection attempt. Every case is accepted (then a dry run on fake nodes) or refused with exit 2,
// every problem line with file:line:col inside the file, nothing contacted, no raw control
// characters echoed; never a crash or stack trace, never over a second.
// Deterministic: a fixed seed; a failure prints the case, its seed and index, and keeps its files
// under /var/lib/flocker-test/fuzz-config/. More cases and sizes: node dist/bench/fuzz-config.js N.
import { expect } from 'chai';
import { rmSync } from 'node:fs';
import path from 'node:path';
import {
  describeCase,
  keepCase,
  loadSeeds,
  runCase,
  sampleCases,
  type Case,
  type Outcome,
  type Result,
} from '../helpers/fuzz-config.js';

const SEED = 20261201;
const CASES = Number(process.env.FLOCKER_FUZZ_CASES ?? 300);
const WORK = `/var/lib/flocker-test/fuzz-config-${process.pid}`;
const KEEP = '/var/lib/flocker-test/fuzz-config';

/**
 * Failure classes the config layer's own hardening (src/config, in progress on another branch)
 * fixes: reported as pending here, not failed, until that work is merged. Empty this set then.
 */
const PENDING_CONFIG_FIXES: ReadonlySet<Outcome> = new Set<Outcome>([]);

describe('generated bad config (fast-check, fixed seed)', function () {
  const seeds = loadSeeds();
  const cases = sampleCases(CASES, SEED, seeds.length);
  const results: Result[] = [];

  before(async function () {
    this.timeout(300_000);
    for (const c of cases) results.push(await runCase(c, seeds, WORK));
  });

  after(() => rmSync(WORK, { recursive: true, force: true }));

  /** The failures of one outcome class: the first few printed (reproducible), all counted. */
  function failures(outcome: Outcome): string[] {
    const out: string[] = [];
    results.forEach((r, i) => {
      if (r.outcome !== outcome) return;
      if (out.length < 5) {
        const dir = keepCase(cases[i]!, seeds, path.join(KEEP, `case-${SEED}-${i}`));
        out.push(
          `case ${i} (seed ${SEED}, ${r.ms.toFixed(0)} ms, exit ${r.exit}): ${describeCase(cases[i]!, seeds).slice(0, 400)}\n` +
            `    ${(r.detail ?? '').split('\n').slice(0, 4).join('\n    ').slice(0, 800)}\n    files: ${dir}`,
        );
      } else if (out.length === 5) out.push('...');
    });
    return out;
  }

  function check(ctx: Mocha.Context, outcome: Outcome): void {
    const found = failures(outcome);
    if (found.length && PENDING_CONFIG_FIXES.has(outcome)) {
      const n = results.filter((r) => r.outcome === outcome).length;
      console.log(`  [pending config fix] ${n} case(s) ${outcome}:\n  ${found.join('\n  ')}`);
      ctx.skip();
    }
    expect(found, `${outcome} cases:\n${found.join('\n')}`).to.deep.equal([]);
  }

  it('the same seed gives the same cases', () => {
    const again = sampleCases(CASES, SEED, seeds.length);
    expect(JSON.stringify(again)).to.equal(JSON.stringify(cases));
  });

  it('the cases cover every seed, target and mutation kind, and both outcomes', () => {
    const kinds = new Set(cases.flatMap((c: Case) => c.mutations.map((m) => m.kind)));
    expect(kinds.size).to.equal(16);
    expect(new Set(cases.map((c) => c.seed)).size).to.equal(seeds.length);
    expect(new Set(cases.map((c) => c.target)).size).to.equal(3);
    expect(results.filter((r) => r.outcome === 'accepted').length).to.be.greaterThan(0);
    expect(results.filter((r) => r.outcome === 'refused').length).to.be.greaterThan(CASES / 2);
  });

  it('never a crash: no exception out of main, no stack trace, no E_INTERNAL', function () {
    check(this, 'crash');
  });

  it('never more than 1 s per case', function () {
    check(this, 'slow');
  });

  it('no connection attempted for a refused file', function () {
    check(this, 'connected');
  });

  it('every refusal is exit 2 with file:line:col (inside the file) on every problem line', function () {
    check(this, 'unpositioned');
    check(this, 'other');
  });

  it('a file that is not UTF-8 is never accepted', function () {
    check(this, 'accepted-invalid');
  });

  it('refusals echo no raw control characters and no line over 2,000 characters', function () {
    check(this, 'raw-echo');
  });
});
