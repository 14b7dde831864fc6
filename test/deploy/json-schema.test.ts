// The documented JSON schemas (docs/schema/plan.v1.json, events.v1.json) are what the generator
// makes of the schema constants, and the real output matches them: every renderer's output for
// every scripted deploy, the CLI over fake nodes, and the built bin where no node is needed.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { main } from '../../src/deploy/cli.js';
import type { CliIO } from '../../src/deploy/cli.js';
import { planDocumentRenderer, renderNdjson } from '../../src/deploy/render-ndjson.js';
import type { DeployEvent } from '../../src/model/events.js';
import { SCHEMA_DOCS, renderSchemaDoc } from '../../src/schema-docs.js';
import { fakeCluster } from '../helpers/fake-cluster.js';
import {
  applied,
  dryRun,
  failedStart,
  moving,
  progress,
  restarting,
  withAgent,
  withImages,
  withTrust,
} from './scripted-events.js';

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
const load = (file: string) => ajv.compile(JSON.parse(readFileSync(file, 'utf8')) as object);
const validatePlan = load('docs/schema/plan.v1.json');
const validateEvent = load('docs/schema/events.v1.json');

function expectValid(v: typeof validatePlan, doc: unknown, what: string): void {
  const ok = v(doc);
  expect(ok, `${what}: ${ajv.errorsText(v.errors)}\n${JSON.stringify(doc)}`).to.equal(true);
}
const expectLines = (text: string, what: string) => {
  const lines = text.trimEnd().split('\n');
  lines.forEach((l, i) => expectValid(validateEvent, JSON.parse(l), `${what} line ${i + 1}`));
  return lines.map((l) => JSON.parse(l) as { schema: string; type: string });
};

const SCRIPTS: Readonly<Record<string, readonly DeployEvent[]>> = {
  applied,
  dryRun,
  failedStart,
  moving: [...moving.slice(0, -2), progress(6, 400, 62, 2), ...moving.slice(-2)],
  restarting,
  withAgent,
  withImages,
  withTrust,
};
const now = () => new Date(0);

describe('JSON schemas of the plan and the events', function () {
  this.timeout(30_000);

  it('docs/schema/*.json are the schema constants as they are (node scripts/schema-docs.mjs rewrites them)', () => {
    for (const [file, schema] of Object.entries(SCHEMA_DOCS))
      expect(readFileSync(file, 'utf8'), file).to.equal(renderSchemaDoc(schema));
    expect(Object.keys(SCHEMA_DOCS).sort()).to.deep.equal([
      'docs/schema/events.v1.json',
      'docs/schema/plan.v1.json',
    ]);
  });

  for (const [name, events] of Object.entries(SCRIPTS))
    it(`${name}: every NDJSON line and the --dry-run --json document match their schema`, () => {
      const lines = expectLines(`${renderNdjson(events, now).join('\n')}\n`, name);
      expect(lines.every((l) => l.schema === 'flocker-events.v1')).to.equal(true);
      let doc = '';
      const r = planDocumentRenderer({ stdout: (s) => (doc += s) });
      events.forEach(r.emit);
      expectValid(validatePlan, JSON.parse(doc), `${name} plan document`);
    });

  it('the schemas refuse what must not be printed or is not known (a value in environment, an unknown event)', () => {
    let doc = '';
    const r = planDocumentRenderer({ stdout: (s) => (doc += s) });
    restarting.forEach(r.emit);
    const leaked = JSON.parse(
      doc.replace('"environment": [', '"environment": {"X": "v"}, "was": ['),
    ) as unknown;
    expect(validatePlan(leaked)).to.equal(false);
    const diffWithValue = JSON.parse(
      doc.replace('"change": "changed"', '"change": "changed", "bogus": 1'),
    ) as unknown;
    expect(validatePlan(diffWithValue)).to.equal(false);
    expect(validateEvent({ schema: 'flocker-events.v1', type: 'nonsense', time: 'x' })).to.equal(false);
  });

  it('the CLI over fake nodes: --dry-run --json, --json (deploy, redeploy with a changed config) and a failure', async () => {
    const GOOD = ['fixtures/good/deployment.yml', 'fixtures/good/application.yml'];
    const c = fakeCluster(['192.0.2.20', 'idle', 'node1', 'spare']);
    const run = async (args: string[]) => {
      const out: string[] = [];
      const io: CliIO = {
        stdout: (s) => out.push(s),
        stderr: () => undefined,
        interactive: false,
        now,
        connect: c.connect,
      };
      return { code: await main(args, io), out: out.join('') };
    };
    const dry = await run(['--dry-run', '--json', ...GOOD]);
    expect(dry.code).to.equal(0);
    expectValid(validatePlan, JSON.parse(dry.out), '--dry-run --json');
    const deployed = await run(['--json', ...GOOD]);
    expect(deployed.code).to.equal(0);
    expect(expectLines(deployed.out, '--json').at(-1)?.type).to.equal('result');
    // web's config changes (a restart that explains itself), and its start fails: the error line last
    const dir = mkdtempSync(join(tmpdir(), 'flocker-schema-'));
    try {
      const changed = join(dir, 'application.yml');
      writeFileSync(
        changed,
        readFileSync(GOOD[1]!, 'utf8').replace('nginx:1.25', 'nginx:1.27').replace('"hello"', '"bye"'),
      );
      const redo = await run(['--dry-run', '--json', GOOD[0]!, changed]);
      expectValid(validatePlan, JSON.parse(redo.out), '--dry-run --json, config changed');
      expect(redo.out).to.include('"config_diff"').and.not.include('bye');
      c.nodes.get('node1')!.failOn = 'start web';
      const failing = await run(['--json', GOOD[0]!, changed]);
      expect(failing.code).to.equal(1);
      const lines = expectLines(failing.out, '--json failing');
      expect(lines.map((l) => l.type)).to.include.members(['plan', 'change-failed', 'phase-failed']);
      expect(lines.at(-1)?.type).to.equal('error');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the built bin, without nodes: bad input gives one error line that matches the schema', () => {
    for (const args of [['--json'], ['--dry-run', '--json']]) {
      const r = spawnSync(
        process.execPath,
        [
          'dist/bin/flocker-deploy.js',
          ...args,
          'fixtures/bad/app-name-invalid/deployment.yml',
          'fixtures/bad/app-name-invalid/application.yml',
        ],
        { encoding: 'utf8' },
      );
      expect(r.status).to.equal(2);
      const lines = expectLines(r.stdout, `bin ${args.join(' ')}`);
      expect(lines).to.have.length(1);
      expect(lines[0]).to.deep.include({ schema: 'flocker-events.v1', type: 'error', code: 'E_INPUT' });
    }
  });
});
