// flocker-deploy's command line: exit codes, and bad input refused before any node is contacted.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { main } from '../../src/deploy/cli.js';
import type { CliIO } from '../../src/deploy/cli.js';
import { countChanges, describePlan, planDocument } from '../../src/plan/describe.js';
import type { ClusterPlan } from '../../src/model/changes.js';
import { fakeCluster } from '../helpers/fake-cluster.js';

function io(connect?: CliIO['connect']): CliIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: (s) => out.push(s),
    stderr: (s) => err.push(s),
    interactive: false,
    now: () => new Date(0),
    ...(connect ? { connect } : {}),
  };
}

const GOOD = ['fixtures/good/deployment.yml', 'fixtures/good/application.yml'];
const goodCluster = () => fakeCluster(['192.0.2.20', 'idle', 'node1', 'spare']);
type PlanDoc = ReturnType<typeof planDocument>;

/** The plan of the good fixture on fresh fake nodes, from --dry-run --json. */
async function dryRunPlan(): Promise<{ plan: ClusterPlan; addresses: Record<string, string> }> {
  const t = io(goodCluster().connect);
  expect(await main(['--dry-run', '--json', ...GOOD], t)).to.equal(0);
  const doc = JSON.parse(t.out.join('')) as PlanDoc;
  const addresses = Object.fromEntries(Object.entries(doc.nodes).map(([n, v]) => [n, v.address!]));
  // the document shows environment names only; the text plan shows no more than that either
  const phases = JSON.parse(JSON.stringify(doc.phases), (k, v: unknown) =>
    k === 'environment' && Array.isArray(v) ? Object.fromEntries(v.map((n) => [n, ''])) : v,
  ) as ClusterPlan['phases'];
  return { plan: { phases }, addresses };
}

describe('flocker-deploy command line', () => {
  it('--help documents every option and the exit codes (exit 0)', async () => {
    const t = io();
    expect(await main(['--help'], t)).to.equal(0);
    const help = t.out.join('');
    for (const o of [
      '--dry-run',
      '--json',
      '--ssh-config',
      '--identity',
      '--known-hosts',
      '--connect-timeout',
      '--concurrency',
    ]) {
      expect(help).to.include(o);
    }
    expect(help).to.match(/Exit codes:\n\s+0 .*\n\s+1 .*\n[\s\S]*\n\s+2 /);
  });

  it('usage errors exit 2', async () => {
    expect(await main([], io())).to.equal(2);
    expect(await main(['--connect-timeout', 'soon', 'a.yml', 'b.yml'], io())).to.equal(2);
  });

  it('bad input: every problem with file:line:col, exit 2, and no node contacted', async () => {
    // the deployment names node1, which does not resolve here: contacting it would be exit 1
    const dir = 'fixtures/bad/app-name-invalid';
    for (const json of [false, true]) {
      const t = io();
      const code = await main(
        [...(json ? ['--json'] : []), `${dir}/deployment.yml`, `${dir}/application.yml`],
        t,
      );
      expect(code).to.equal(2);
      expect(t.err.join('')).to.equal(
        `flocker-deploy: error: ${readFileSync(`${dir}/expected.txt`, 'utf8').trimEnd()}\n`,
      );
      if (json)
        expect(JSON.parse(t.out.join(''))).to.include({ type: 'error', code: 'E_INPUT', exit_code: 2 });
    }
  });

  it('a file that cannot be read is bad input too (exit 2)', async () => {
    const t = io();
    expect(await main(['fixtures/none/deployment.yml', 'fixtures/good/application.yml'], t)).to.equal(2);
    expect(t.err.join('')).to.match(/fixtures\/none\/deployment.yml:1:1: .*cannot read/);
  });

  it('a FIFO or /dev/zero as a config file: refused at once, exit 2, no node contacted', async () => {
    const dir = mkdtempSync(`${tmpdir()}/flocker-cli-`);
    try {
      const fifo = `${dir}/deployment.yml`;
      execFileSync('mkfifo', [fifo]);
      let contacted = false;
      const t = io(() => {
        contacted = true;
        throw new Error('contacted');
      });
      expect(await main([fifo, '/dev/zero'], t)).to.equal(2);
      expect(contacted).to.equal(false);
      const err = t.err.join('');
      expect(err).to.contain('/dev/zero:1:1: (document): expected a regular file, found a character device');
      expect(err).to.contain(`${fifo}:1:1: (document): expected a regular file, found a FIFO (named pipe)`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('deploying (plain): the plan on stdout before anything changes, progress on stderr, exit 0', async () => {
    const { plan, addresses } = await dryRunPlan();
    const t = io(goodCluster().connect);
    expect(await main(GOOD, t)).to.equal(0);
    expect(t.out).to.deep.equal([describePlan(plan, addresses), `Applied ${countChanges(plan)} changes.\n`]);
    const lines = t.err.join('').split('\n');
    expect(lines[0]).to.equal('[00:00:00.000] connect: 192.0.2.20, idle, node1, spare');
    // the duration is the real time the phase took (a loaded machine shows more than 0.00s)
    expect(
      lines.some((l) => /^\[00:00:00\.000\] phase routes: done in \d+\.\d\ds$/.test(l)),
      lines.join('\n'),
    ).to.equal(true);
  });

  it('--json: NDJSON events, then the result with the plan document last; the same plan as --dry-run --json', async () => {
    const c = goodCluster();
    const dry = io(c.connect);
    expect(await main(['--dry-run', '--json', ...GOOD], dry)).to.equal(0);
    const doc = JSON.parse(dry.out.join('')) as PlanDoc;
    expect(doc).to.include({ format: 'flocker-plan', version: 1 });
    expect(Object.keys(doc.nodes)).to.deep.equal(['192.0.2.20', 'idle', 'node1', 'spare']);
    expect(dry.err).to.deep.equal([]);

    const t = io(c.connect);
    expect(await main(['--json', ...GOOD], t)).to.equal(0);
    const lines = t.out
      .join('')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; time?: string; plan?: PlanDoc });
    expect(lines.map((l) => l.type).slice(0, 7)).to.deep.equal([
      'step-start',
      'step-done',
      'step-start',
      'step-done',
      'step-start',
      'step-done',
      'plan',
    ]);
    expect(lines.every((l) => l.time === '1970-01-01T00:00:00.000Z')).to.equal(true);
    expect(lines.at(-1)).to.deep.equal({
      schema: 'flocker-events.v1',
      type: 'result',
      applied: true,
      plan: doc,
      time: '1970-01-01T00:00:00.000Z',
    });
  });

  it('a failing node: exit 1, the error on stderr and as the last JSON line; the audit still written', async () => {
    for (const json of [false, true]) {
      const c = goodCluster();
      c.nodes.get('node1')!.failOn = 'start web';
      const t = io(c.connect);
      expect(await main([...(json ? ['--json'] : []), ...GOOD], t)).to.equal(1);
      expect(t.err.join('')).to.match(
        /flocker-deploy: error: node1: changestate failed in phase start: flocker-changestate apply \(exit 1\)\nflocker-changestate: start web .*\n$/,
      );
      if (json)
        expect(JSON.parse(t.out.at(-1)!)).to.include({ type: 'error', code: 'E_NODE_COMMAND', exit_code: 1 });
      else expect(t.out.join('')).to.not.include('Applied');
      const events = c.nodes.get('node1')!.audit.map((l) => (JSON.parse(l) as { event: string }).event);
      expect(events.filter((e) => e === 'deploy').length).to.equal(1);
    }
  });

  it('--dry-run (plain) prints exactly the plan and changes nothing', async () => {
    const { plan, addresses } = await dryRunPlan();
    const c = goodCluster();
    const t = io(c.connect);
    expect(await main(['--dry-run', ...GOOD], t)).to.equal(0);
    expect(t.out).to.deep.equal([describePlan(plan, addresses)]);
    for (const n of c.nodes.values()) expect([n.running.size, n.audit.length]).to.deep.equal([0, 0]);
  });
  it('Ctrl-C after the nodes were contacted: every session closed, "interrupted", exit 130', async () => {
    const c = goodCluster();
    let interrupt: (s: 'SIGINT') => void = () => undefined;
    const interrupted = new Promise<'SIGINT'>((r) => (interrupt = r));
    const closed: string[] = [];
    const t = {
      ...io(async (nodes) => {
        const conns = await c.connect(nodes);
        for (const [name, conn] of conns) {
          let isClosed = false;
          // a closed session fails what runs on it, as ssh2's does
          conns.set(name, {
            ...conn,
            run: (argv, o) => (isClosed ? Promise.reject(new Error('connection closed')) : conn.run(argv, o)),
            close: () => {
              isClosed = true;
              closed.push(name);
            },
          });
        }
        interrupt('SIGINT'); // as the deploy goes on to take the locks
        return conns;
      }),
      interrupted,
    };
    const t0 = Date.now();
    expect(await main(GOOD, t)).to.equal(130);
    expect(Date.now() - t0).to.be.lessThan(2500);
    expect([...new Set(closed)].sort()).to.deep.equal([...c.nodes.keys()].sort());
    expect(t.err.join('')).to.match(/flocker-deploy: interrupted: SIGINT: the node sessions are closed/);
    for (const n of c.nodes.values()) expect(n.running.size).to.equal(0);
  });
});
