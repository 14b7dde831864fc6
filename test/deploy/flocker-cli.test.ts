// `flocker` on fake nodes running the real node-side programs: deploy, status, audit, prune,
// lock and logs as a user runs them; exit codes; secrets never shown.
import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../../src/deploy/flocker-cli.js';
import type { FlockerIO } from '../../src/deploy/flocker-cli.js';
import { NodeError } from '../../src/errors.js';
import type { StatusReport } from '../../src/model/status.js';
import type { NodeConnection } from '../../src/ssh/connection.js';
import { validateStatusReportSchema } from '../../src/validation/validators.js';
import { fakeCluster } from '../helpers/fake-cluster.js';

const SECRET = 'hunter2-never-shown';
const apps = (names: string[]) =>
  `version: 1\napplications:\n${names
    .map(
      (n) =>
        `  ${n}:\n    image: busybox\n    ports:\n      - internal: 80\n        external: ${n === 'web' ? 8080 : 8081}\n    volume:\n      mountpoint: /data\n    environment:\n      TOKEN: "${SECRET}"\n`,
    )
    .join('')}`;
const placement = (n1: string[], n2: string[]) =>
  `version: 1\nnodes:\n  n1: [${n1.join(', ')}]\n  n2: [${n2.join(', ')}]\n`;

function io(connect: FlockerIO['connect']): FlockerIO & { out: string[]; err: string[]; text(): string } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    text: () => out.join(''),
    stdout: (s) => out.push(s),
    stderr: (s) => err.push(s),
    interactive: false,
    now: () => new Date(0),
    ...(connect ? { connect } : {}),
  };
}

describe('flocker command line (fake nodes)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'flocker-cli-'));
  const file = (name: string, text: string) => {
    const f = path.join(dir, name);
    writeFileSync(f, text);
    return f;
  };

  it('help lists every subcommand and the exit codes; usage errors exit 2 before any contact', async () => {
    const t = io(undefined);
    expect(await main(['--help'], t)).to.equal(0);
    for (const c of ['deploy', 'plan', 'status', 'logs', 'audit', 'prune', 'lock'])
      expect(t.text()).to.include(c);
    expect(t.text()).to.match(/Exit codes:/);
    const refuse = () => {
      throw new Error('contacted a node');
    };
    expect(await main(['lock', 'd.yml', 'grab'], io(refuse))).to.equal(2);
    expect(await main(['logs', 'd.yml', 'web', '--since', 'whenever'], io(refuse))).to.equal(2);
    expect(await main(['logs', 'd.yml', '-bad-name'], io(refuse))).to.equal(2);
    expect(await main(['status', path.join(dir, 'missing.yml')], io(refuse))).to.equal(2);
    expect(await main(['frobnicate'], io(refuse))).to.equal(2);
  });

  it('deploy, status (schema-valid, no secret), move, prune lists then --yes deletes the stale copy, audit, lock', async () => {
    const c = fakeCluster(['n1', 'n2']);
    const appFile = file('apps.yml', apps(['web']));
    const on1 = file('dep1.yml', placement(['web'], []));
    const on2 = file('dep2.yml', placement([], ['web']));
    expect(await main(['deploy', on1, appFile], io(c.connect))).to.equal(0);

    let t = io(c.connect);
    expect(await main(['status', on1, '--json'], t)).to.equal(0);
    expect(t.text()).to.not.include(SECRET);
    const st = JSON.parse(t.text()) as StatusReport;
    expect(validateStatusReportSchema(st)).to.equal(true);
    expect(st.applications).to.have.length(1);
    expect(st.applications[0]).to.deep.include({
      name: 'web',
      node: 'n1',
      state: 'running',
      image: 'busybox:latest',
    });
    expect(st.volumes[0]).to.deep.include({ name: 'web', owners: ['n1'], copies: [] });
    expect(st.nodes.map((n) => n.lock?.held)).to.deep.equal([false, false]);

    t = io(c.connect);
    expect(await main(['plan', on2, appFile], t)).to.equal(0);
    expect(t.text()).to.match(/hand off volume web/);
    expect(c.nodes.get('n1')!.running.has('web')).to.equal(true); // a plan changes nothing
    expect(await main(['deploy', on2, appFile], io(c.connect))).to.equal(0);

    t = io(c.connect);
    expect(await main(['prune', on2, appFile], t)).to.equal(0);
    expect(t.text()).to.match(/n1\s+web\s+stale copy/);
    expect(t.text()).to.include('run again with --yes');
    expect(await c.nodes.get('n1')!.volumes.get('web')).to.not.equal(undefined);
    t = io(c.connect);
    expect(await main(['prune', '--yes', on2, appFile], t)).to.equal(0);
    expect(t.text()).to.match(/Deleted: /);
    expect(await c.nodes.get('n1')!.volumes.get('web')).to.equal(undefined);
    expect((await c.nodes.get('n2')!.volumes.get('web'))?.role).to.equal('owner');

    t = io(c.connect);
    expect(await main(['audit', on2, '--json'], t)).to.equal(0);
    const audit = JSON.parse(t.text()) as {
      entries: {
        kind: string;
        user: string;
        host: string;
        result: string;
        changes: Record<string, string[]>;
      }[];
    };
    expect(audit.entries.map((e) => `${e.kind} ${e.result}`)).to.deep.equal([
      'deploy ok',
      'deploy ok',
      'prune ok',
    ]);
    expect(audit.entries[0]!.host).to.equal(hostname());
    expect(audit.entries[0]!.changes.n1).to.include('start web (busybox:latest)');
    expect(audit.entries[2]!.changes.n1).to.deep.equal(['destroy volume web']);
    expect(JSON.stringify(audit)).to.not.include(SECRET);

    t = io(c.connect);
    expect(await main(['lock', on2, 'status'], t)).to.equal(0);
    expect(t.text()).to.match(/n1\s+free/);
  });

  it("prune: a removed app's volume goes with --yes; an app in the config keeps its owned volume", async () => {
    const c = fakeCluster(['n1', 'n2']);
    const both = file('both.yml', apps(['web', 'db']));
    const onlyWeb = file('web.yml', apps(['web']));
    const dep = file('dep.yml', placement(['web'], ['db']));
    const depWeb = file('depw.yml', placement(['web'], []));
    expect(await main(['deploy', dep, both], io(c.connect))).to.equal(0);
    expect(await main(['deploy', depWeb, onlyWeb], io(c.connect))).to.equal(0);
    let t = io(c.connect);
    expect(await main(['prune', depWeb, onlyWeb, '--json'], t)).to.equal(0);
    const doc = JSON.parse(t.text()) as { plan: { volumes: { node: string; name: string; why: string }[] } };
    expect(doc.plan.volumes).to.deep.equal([
      { node: 'n2', name: 'db', role: 'owner', epoch: 1, why: 'app removed', bytes: 0 },
    ]);
    t = io(c.connect);
    expect(await main(['prune', '--yes', depWeb, onlyWeb], t)).to.equal(0);
    expect(await c.nodes.get('n2')!.volumes.get('db')).to.equal(undefined);
    expect((await c.nodes.get('n1')!.volumes.get('web'))?.role).to.equal('owner');
    // the cluster forgot it too: db re-added starts anew on an empty volume, not refused
    expect(await main(['deploy', dep, both], io(c.connect))).to.equal(0);
    expect((await c.nodes.get('n2')!.volumes.get('db'))?.epoch).to.equal(1);
  });

  it('the node refuses to prune an owned volume of an app in the config, whatever it is sent', async () => {
    const c = fakeCluster(['n1']);
    const n1 = c.nodes.get('n1')!;
    await n1.volumes.create('web', 'n1');
    const input = {
      protocol: 1,
      self: 'n1',
      dry_run: true,
      applications: ['web'],
      volumes: [{ name: 'web', role: 'owner', epoch: 1 }],
      snapshots: [],
      audit: { deploy_id: 'deploy-00000001', user: 'u', host: 'h', started_at: 't' },
    };
    const r = await n1.connection().run(['flocker-changestate', 'prune'], { stdin: JSON.stringify(input) });
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(
      /prune refused: volume web is owned here and its app is in the application config/,
    );
    const bad = await n1.connection().run(['flocker-changestate', 'prune'], {
      stdin: JSON.stringify({ ...input, volumes: [{ name: '../etc', role: 'copy', epoch: 1 }] }),
    });
    expect(bad.code).to.equal(1);
    expect(bad.stderr).to.match(/prune input/);
    // not dry: only for the deploy holding this node's lock
    const locked = await n1.connection().run(['flocker-changestate', 'prune'], {
      stdin: JSON.stringify({ ...input, dry_run: false, applications: [] }),
    });
    expect(locked.stderr).to.match(/no longer holds the deploy lock/);
    expect((await n1.volumes.get('web'))?.role).to.equal('owner');
  });

  it('status: a node that cannot be reached is a row with its error; exit 1; the others still shown', async () => {
    const c = fakeCluster(['n1', 'n2']);
    const appFile = file('a.yml', apps(['web']));
    const dep = file('d.yml', placement(['web'], []));
    expect(await main(['deploy', dep, appFile], io(c.connect))).to.equal(0);
    const connect = async (nodes: readonly string[]): Promise<Map<string, NodeConnection>> => {
      if (nodes.includes('n2')) throw new NodeError('n2', 'n2: connect ETIMEDOUT', 'E_SSH_TIMEOUT');
      return c.connect(nodes);
    };
    const t = io(connect);
    expect(await main(['status', dep], t)).to.equal(1);
    expect(t.text()).to.match(/n2\s+-\s+unreachable: E_SSH_TIMEOUT/);
    expect(t.text()).to.match(/web\s+n1\s+running/);
    expect(t.text()).to.include('Some nodes did not answer');
  });

  it('logs: journalctl of the unit on the node that runs the app; an app nowhere is a clear error', async () => {
    const c = fakeCluster(['n1', 'n2']);
    const appFile = file('l.yml', apps(['web']));
    const dep = file('ld.yml', placement([], ['web']));
    expect(await main(['deploy', dep, appFile], io(c.connect))).to.equal(0);
    const seen: string[][] = [];
    const connect = async (nodes: readonly string[]) => {
      const m = await c.connect(nodes);
      for (const [n, conn] of m)
        m.set(n, {
          ...conn,
          run: (argv, opts) => {
            if (argv[0] !== 'journalctl') return conn.run(argv, opts);
            seen.push([n, ...argv]);
            opts?.onStdoutLine?.('2026-12-01T10:00:00+0000 n2 docker[1]: hello');
            return Promise.resolve({ code: 0, stdout: '', stderr: '' });
          },
        });
      return m;
    };
    let t = io(connect);
    expect(await main(['logs', dep, 'web', '--since', '10m', '-n', '5'], t)).to.equal(0);
    expect(t.text()).to.equal('2026-12-01T10:00:00+0000 n2 docker[1]: hello\n');
    expect(seen).to.deep.equal([
      [
        'n2',
        'journalctl',
        '--no-pager',
        '--quiet',
        '-o',
        'short-iso',
        '-u',
        'flocker--web.service',
        '--since',
        '-10min',
        '-n',
        '5',
      ],
    ]);
    // -f: journalctl runs until Ctrl-C (the signal), then exit 130
    const follow = async (nodes: readonly string[]) => {
      const m = await c.connect(nodes);
      for (const [n, conn] of m)
        m.set(n, {
          ...conn,
          run: (argv, opts) => {
            if (argv[0] !== 'journalctl') return conn.run(argv, opts);
            expect(argv.at(-1)).to.equal('-f');
            opts?.onStdoutLine?.('first line');
            return new Promise(() => undefined); // follows forever
          },
        });
      return m;
    };
    const ac = new AbortController();
    t = { ...io(follow), signal: ac.signal } as typeof t;
    const running = main(['logs', dep, 'web', '-f'], t);
    setTimeout(() => ac.abort(), 20);
    expect(await running).to.equal(130);
    expect(t.text()).to.equal('first line\n');
    t = io(connect);
    expect(await main(['logs', dep, 'ghost'], t)).to.equal(1);
    expect(t.err.join('')).to.match(/ghost is not running on any node/);
  });
});
